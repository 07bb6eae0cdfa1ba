"""Fixed pipelines (CONTRACT.md section 1b): the user's ``pipeline(items)``, unchanged.

* :mod:`stress.forms.fixed.items`: the items of a trial, drawn from (seed, group) -- distinct
  ints, or lists from a user's hypothesis strategy -- and their digest for replays;
* :mod:`stress.forms.fixed.patching`: ``--patch MODULE:ATTR``, wrapping a stage function in
  a trial's child wherever the loaded code refers to it;
* :mod:`stress.forms.fixed.pressure`: seeded jitter at synchronisation points (queues, locks,
  conditions, events, barriers, thread start), installed in a trial's child;
* :mod:`stress.forms.fixed.tally`: LOST without ``--expect``: the same items giving fewer
  results in one trial than in another;
* :mod:`stress.forms.fixed.spec` (the caller's side: options, signature, the trial draw),
  :mod:`stress.forms.fixed.trial` (a trial's child: items, expected results, patches,
  pressure, the fixed part of the verdict), :mod:`stress.forms.fixed.watch` (the search's
  side: fewer results, patch calls, replayed items);
* :mod:`stress.forms.fixed.measure`: which pressure points pay, measured.

Nothing here changes the caller's process: every installer runs in a trial's child.
"""

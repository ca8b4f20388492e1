import { describe, expect, it } from 'vitest';
import { checkExperiment } from '../../../src/chaos/experiments/experiment-file.js';
import { renderRunReport } from '../../../src/chaos/experiments/html-report.js';
import type { RunJournal } from '../../../src/chaos/experiments/run-journal.js';

describe('HTML run report', () => {
  it('escapes what the experiment wrote and draws a dot per measurement, red when it failed', () => {
    const experiment = checkExperiment({ title: '<b>x</b>', steadyStateHypothesis: { title: 'a & b', probes: [{ name: 'p', probe: 'metric', tolerance: { atMost: 1 } }] }, method: [{ action: 'a' }] });
    const journal: RunJournal = {
      id: 'r',
      title: experiment.title,
      experiment,
      actor: 'alice',
      startedAt: 0,
      endedAt: 10_000,
      status: 'failed',
      reason: 'steady-state-not-met-after',
      score: 50,
      steps: [{ index: 0, name: 'a', action: 'a', startedAt: 1_000, endedAt: 5_000, status: 'reverted' }],
      probes: [
        { key: 'hypothesis/p', name: 'p', phase: 'before', at: 0, value: 0.5, ok: true, counted: true },
        { key: 'hypothesis/p', name: 'p', phase: 'after', at: 10_000, value: 3, ok: false, counted: true },
      ],
      rollbacks: [],
    };
    const page = renderRunReport(journal);
    expect(page).toContain('<h1>&#60;b&#62;x&#60;/b&#62;</h1>');
    expect(page).toContain('Hypothesis: a &#38; b');
    expect(page.match(/<circle [^>]*fill="#16a34a"/g)).toHaveLength(1);
    expect(page.match(/<circle [^>]*fill="#dc2626"/g)).toHaveLength(1);
    expect(page).toContain('1/2 passed');
  });
});

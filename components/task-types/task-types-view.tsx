'use client';
/**
 * Every task type the cluster knows: how much of it finished and failed over the window, how long it
 * took, and the limits its workers apply, with controls to change them. Counts are fetched per shown
 * row, so a long list is paged rather than fetched whole.
 */
import { useState } from 'react';
import { RangePicker } from '../charts/range-picker';
import { ControlsClosedNotice } from '../controls/controls-closed';
import { rateUnitFor } from '../format/format-values';
import { doneCounts, TaskTypeRow } from './task-type-row';
import styles from './task-types.module.css';
import { type TaskTypeRange, useRefreshWorkers, useShownThroughputs, useTaskTypes } from './use-task-types';

const PAGE_SIZE = 25;

export function TaskTypesView() {
  const [range, setRange] = useState<TaskTypeRange>('15m');
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const [expanded, setExpanded] = useState<string | null>(null);
  const { rows, error, loading, ranges } = useTaskTypes(range);
  const refreshWorkers = useRefreshWorkers();

  const needle = filter.trim().toLowerCase();
  const matching = needle === '' ? rows : rows.filter((row) => row.name.toLowerCase().includes(needle));
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const shown = matching.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  // One rate unit for the whole column, from its largest rate: rows compare at a glance.
  const throughputs = useShownThroughputs(shown.map((row) => row.name), range);
  const rateUnit = rateUnitFor(Math.max(0, ...throughputs.map((data) => (data ? doneCounts(data).perSecond : 0))));

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Task types</h1>
          <p>Throughput, failures and latency per task name over the window; limits as each worker reports them.</p>
        </div>
        <div className="row">
          <input
            type="search"
            aria-label="Filter task names"
            placeholder="Filter task names"
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value);
              setPage(0);
            }}
            data-testid="task-types-filter"
          />
          <RangePicker ranges={ranges} value={range} onChange={setRange} testId="task-types-range" />
        </div>
      </div>
      {error && (
        <p className="card status-bad" role="alert">
          {error.message}
        </p>
      )}
      <ControlsClosedNotice />
      <div className={`card ${styles.tableCard}`}>
        <table className={`data ${styles.table}`} data-testid="task-types-table">
          <thead>
            <tr>
              <th>Task</th>
              <th>Workers</th>
              <th className="num">Succeeded</th>
              <th className="num">Failed</th>
              <th className="num" title="rejected by the worker (Celery's task-rejected, e.g. a task raising Reject): neither succeeded nor failed">Rejected</th>
              <th className="num" title="failure rate: failed / (succeeded + failed)">Failures</th>
              <th className="num" title={`succeeded + failed + rejected, per ${rateUnit.name} over the window; the line is per minute`} data-testid="task-types-throughput-header">
                Throughput <span className="muted" data-testid="task-types-rate-unit">{rateUnit.label}</span>
              </th>
              <th className="num" title="runtime">p50</th>
              <th className="num" title="runtime">p90</th>
              <th className="num" title="runtime">p99</th>
              <th className="num" title="from sent or received to started">Wait p90</th>
              <th title="rate limit, and time limits soft / hard, as the workers report them">Limits</th>
              <th>Controls</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <TaskTypeRow
                key={row.name}
                row={row}
                range={range}
                rateUnit={rateUnit}
                expanded={expanded === row.name}
                onToggle={() => setExpanded((name) => (name === row.name ? null : row.name))}
                onControlDone={() => void refreshWorkers()}
              />
            ))}
          </tbody>
        </table>
        {!loading && matching.length === 0 && <p className="empty">{rows.length === 0 ? 'No task type seen yet: none in events, metrics or the workers’ registered lists.' : 'No task name matches the filter.'}</p>}
        {loading && rows.length === 0 && <p className="empty">Loading…</p>}
        {pages > 1 && (
          <div className="row">
            <button type="button" className="button small" disabled={current === 0} onClick={() => setPage(current - 1)}>
              Previous
            </button>
            <span className="muted">
              {current * PAGE_SIZE + 1}–{Math.min(matching.length, (current + 1) * PAGE_SIZE)} of {matching.length}
            </span>
            <button type="button" className="button small" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
              Next
            </button>
          </div>
        )}
      </div>
    </>
  );
}

'use client';
/** The Tasks page: filters from the URL, the live virtualized table, and bulk revoke / retry. */
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo, useState } from 'react';
import type { TaskSortKey } from '@/lib/api/tasks';
import { formatCount } from '../format/format-values';
import { parseTaskQuery, type TaskQuery, taskQueryString } from './task-query';
import { TasksBulkBar } from './tasks-bulk-bar';
import { TasksFilterBar } from './tasks-filter-bar';
import { TasksTable } from './tasks-table';
import { useTaskRows } from './use-task-rows';
import styles from './tasks.module.css';

const SORT_LABELS: Record<TaskSortKey, string> = { arrival: 'arrival', received: 'received', started: 'started', succeeded: 'succeeded', runtime: 'runtime' };

export function TasksView() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname() ?? '/tasks';
  const queryText = params.toString();
  const query = useMemo(() => parseTaskQuery(new URLSearchParams(queryText)), [queryText]);
  const setQuery = useCallback((next: TaskQuery) => router.replace(`${pathname}${taskQueryString(next)}`, { scroll: false }), [router, pathname]);

  const rows = useTaskRows(query);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback((uuid: string) => {
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(uuid)) next.add(uuid);
      return next;
    });
  }, []);
  const toggleLoaded = useCallback((select: boolean) => setSelected(select ? new Set([...rows.store.order, ...rows.store.tail]) : new Set()), [rows.store]);
  const rowOf = useCallback((uuid: string) => rows.store.byId.get(uuid), [rows.store]);
  // A search that does not parse is shown at the search box, not as a load failure: trying again cannot help.
  const fault = rows.error?.search ?? null;
  const searchFault = fault === null || rows.error === null ? null : { message: rows.error.message, text: fault.text, position: fault.position, keptRows: rows.firstLoaded };

  return (
    <>
      <div className="page-header">
        <h1>Tasks</h1>
        <p>
          <span className={styles.total} data-testid="tasks-total">
            {rows.firstLoaded ? `${formatCount(rows.store.total)}${rows.store.totalExact ? '' : '+'}` : '…'}
          </span>{' '}
          matching · {formatCount(rows.store.loaded)} loaded · sorted by {SORT_LABELS[query.sort]}, {query.order === 'desc' ? 'newest or longest first' : 'oldest or shortest first'}
          {rows.loading && rows.firstLoaded && ' · loading…'}
        </p>
        <div className="row">
          <label className="muted">
            Sort{' '}
            <select data-testid="tasks-sort" value={query.sort} onChange={(e) => setQuery({ ...query, sort: e.target.value as TaskSortKey })}>
              {(Object.keys(SORT_LABELS) as TaskSortKey[]).map((key) => (
                <option key={key} value={key}>
                  {SORT_LABELS[key]}
                </option>
              ))}
            </select>
          </label>
          <div className="segmented" role="group" aria-label="Order">
            <button type="button" aria-pressed={query.order === 'desc'} onClick={() => setQuery({ ...query, order: 'desc' })}>
              desc
            </button>
            <button type="button" aria-pressed={query.order === 'asc'} onClick={() => setQuery({ ...query, order: 'asc' })}>
              asc
            </button>
          </div>
        </div>
      </div>
      <TasksFilterBar query={query} onChange={setQuery} searchFault={searchFault} />
      <div className={styles.bulk}>
        <TasksBulkBar selected={selected} rowOf={rowOf} onClear={() => setSelected(new Set())} />
        <span className="spacer" />
        {rows.unplaced > 0 && (
          <button type="button" className="button small" data-testid="tasks-unplaced" onClick={rows.reload}>
            {formatCount(rows.unplaced)} new matching {rows.unplaced === 1 ? 'task' : 'tasks'} — reload to place them
          </button>
        )}
      </div>
      {rows.error !== null && rows.error.search === null && (
        <div className="card status-bad row" role="alert" data-testid="tasks-error">
          Could not load tasks: {rows.error.message}
          <button type="button" className="button small" onClick={rows.reload}>
            Try again
          </button>
        </div>
      )}
      <TasksTable
        rows={rows}
        sort={query.sort}
        order={query.order}
        onSort={(sort, order) => setQuery({ ...query, sort, order })}
        selected={selected}
        onToggle={toggle}
        onToggleLoaded={toggleLoaded}
      />
    </>
  );
}

'use client';
/**
 * The virtualized task table: the DOM holds the rows on screen (and a few around), whatever the count.
 * Rows put on top by live updates push the content down; when the reader is scrolled away from the top
 * the scroll offset moves by as much, so the rows under their eyes (and their selection) stay put.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { TaskSortKey } from '@/lib/api/tasks';
import { formatCount } from '../format/format-values';
import { useTimeFormat } from '../format/use-time-format';
import { PendingRow, TaskTableRow } from './task-table-row';
import type { TaskRows } from './use-task-rows';
import styles from './tasks.module.css';

export const ROW_HEIGHT = 34;
// Stable across renders: the virtualizer re-measures every row whenever its sizing options change.
const rowHeight = (): number => ROW_HEIGHT;

/** `time`: a column of clock times, whose header names their zone. */
const COLUMNS: readonly { label: string; sort?: TaskSortKey; num?: boolean; time?: boolean }[] = [
  { label: 'State' },
  { label: 'Name' },
  { label: 'UUID' },
  { label: 'Args' },
  { label: 'Kwargs' },
  { label: 'Result / exception' },
  { label: 'Received', sort: 'received', num: true, time: true },
  { label: 'Started', sort: 'started', num: true, time: true },
  { label: 'Runtime', sort: 'runtime', num: true },
  { label: 'Worker' },
  { label: 'Queue' },
];

export interface TasksTableProps {
  readonly rows: TaskRows;
  readonly sort: TaskSortKey;
  readonly order: 'asc' | 'desc';
  readonly onSort: (sort: TaskSortKey, order: 'asc' | 'desc') => void;
  readonly selected: ReadonlySet<string>;
  readonly onToggle: (uuid: string) => void;
  readonly onToggleLoaded: (select: boolean) => void;
}

export function TasksTable({ rows, sort, order, onSort, selected, onToggle, onToggleLoaded }: TasksTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const zone = useTimeFormat().zoneName();
  const { store, count, ensure, prepend } = rows;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: rowHeight,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => ensure(first, last), [ensure, first, last]);

  // Rows put on top since the reader left the top of the list: offered as a pill that scrolls back up.
  const [above, setAbove] = useState(0);
  const handled = useRef(0);
  useLayoutEffect(() => {
    if (prepend.seq === handled.current) return;
    handled.current = prepend.seq;
    const element = scroller.current;
    if (element === null || element.scrollTop < ROW_HEIGHT / 2) return;
    element.scrollTop += prepend.count * ROW_HEIGHT;
    setAbove((n) => n + prepend.count);
  }, [prepend]);
  // A new list (other filters or sort) starts at its top.
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
    setAbove(0);
  }, [store]);
  const onScroll = (): void => {
    if (above > 0 && (scroller.current?.scrollTop ?? 0) < ROW_HEIGHT / 2) setAbove(0);
  };

  const loadedSelected = store.loaded > 0 && store.order.every((uuid) => selected.has(uuid)) && store.tail.every((uuid) => selected.has(uuid));
  return (
    <div className={styles.tableWrap}>
      {above > 0 && (
        <button
          type="button"
          className={`button small primary ${styles.newPill}`}
          data-testid="tasks-new-pill"
          onClick={() => {
            scroller.current?.scrollTo({ top: 0 });
            setAbove(0);
          }}
        >
          {formatCount(above)} new {above === 1 ? 'task' : 'tasks'} — show
        </button>
      )}
      <div ref={scroller} className={styles.scroller} onScroll={onScroll} data-testid="tasks-scroller" role="table" aria-label="Tasks" aria-rowcount={count}>
        <div role="rowgroup" className={styles.head}>
          <div role="row" className={styles.headRow}>
            <span role="columnheader" className={styles.cell}>
              <input
                type="checkbox"
                aria-label="Select all loaded tasks"
                data-testid="tasks-select-loaded"
                checked={loadedSelected}
                disabled={store.loaded === 0}
                onChange={(e) => onToggleLoaded(e.target.checked)}
              />
            </span>
            {COLUMNS.map((column) => {
              const active = column.sort !== undefined && column.sort === sort;
              return (
                <span
                  key={column.label}
                  role="columnheader"
                  className={`${styles.cell}${column.num ? ` ${styles.num}` : ''}`}
                  aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  {column.sort === undefined ? (
                    column.label
                  ) : (
                    <button
                      type="button"
                      className={styles.sortButton}
                      data-testid={`sort-${column.sort}`}
                      title={`Sort by ${column.label.toLowerCase()}`}
                      onClick={() => onSort(column.sort as TaskSortKey, active && order === 'desc' ? 'asc' : 'desc')}
                    >
                      {column.label} {active ? (order === 'desc' ? '▼' : '▲') : ''}
                      {column.time && (
                        <span className={styles.zone} data-testid="tasks-time-zone">
                          {zone}
                        </span>
                      )}
                    </button>
                  )}
                </span>
              );
            })}
          </div>
        </div>
        <div role="rowgroup" className={styles.body} style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = store.rowAt(item.index);
            return row === undefined ? (
              <PendingRow key={`pending-${item.index}`} top={item.start} />
            ) : (
              <TaskTableRow key={row.uuid} row={row} top={item.start} selected={selected.has(row.uuid)} onToggle={onToggle} />
            );
          })}
        </div>
        {count === 0 && rows.firstLoaded && (
          <p className={`empty ${styles.emptyRow}`} data-testid="tasks-empty">
            No task matches.
          </p>
        )}
      </div>
    </div>
  );
}

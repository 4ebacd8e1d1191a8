'use client';
/** The Tasks page's filters; each change rewrites the URL, which is where the page reads them from. */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { QueuesResponse } from '@/lib/api/queues';
import { fetchJson } from '../api/api-client';
import { SEARCH_ERROR_ID, SearchErrorNote } from './search-error-note';
import { RANGE_PRESETS, type TaskQuery } from './task-query';
import styles from './tasks.module.css';

const STATES = ['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED', 'REJECTED'];
const SEARCH_DELAY_MS = 300;

/** The known values for a select, the current one kept even when the server no longer lists it. */
function withCurrent(values: readonly string[], current: string): string[] {
  const sorted = [...new Set(values)].sort();
  return current !== '' && !sorted.includes(current) ? [current, ...sorted] : sorted;
}

/** A filter on one name (task, worker, queue): "any" or one of the names the server knows. */
function NameSelect(props: { label: string; testId: string; value: string; values: readonly string[]; onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">any</option>
        {withCurrent(props.values, props.value).map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A search the server refused: its message, the text as sent and the offset of the fault in it. */
export interface SearchFault {
  readonly message: string;
  readonly text: string;
  readonly position: number;
  /** Whether the rows of an earlier search are still on screen. */
  readonly keptRows: boolean;
}

export function TasksFilterBar({ query, onChange, searchFault }: { query: TaskQuery; onChange: (next: TaskQuery) => void; searchFault: SearchFault | null }) {
  const types = useQuery({ queryKey: ['task-types'], queryFn: ({ signal }) => fetchJson<{ 'task-types': string[] }>('/api/task/types', {}, signal), staleTime: 30_000 });
  const workers = useQuery({ queryKey: ['worker-names'], queryFn: ({ signal }) => fetchJson<Record<string, boolean>>('/api/workers', { status: true }, signal), staleTime: 30_000 });
  const queues = useQuery({ queryKey: ['queue-names'], queryFn: ({ signal }) => fetchJson<QueuesResponse>('/api/v1/queues', {}, signal), staleTime: 30_000 });

  // The box is typed into freely; the list follows once typing pauses.
  const [search, setSearch] = useState(query.search);
  // What this box last put in the URL: a URL that moves on to it must not undo what was typed since.
  const sent = useRef(query.search);
  const [between, setBetween] = useState(query.receivedAfter !== '' || query.receivedBefore !== '');
  useEffect(() => {
    if (query.search !== sent.current) setSearch(query.search);
    sent.current = query.search;
  }, [query.search]);
  useEffect(() => {
    if (search === query.search) return undefined;
    const timer = setTimeout(() => {
      sent.current = search;
      onChange({ ...query, search });
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search, query, onChange]);

  const state = query.states.length > 1 ? query.states.join(',') : (query.states[0] ?? '');
  const stateOptions = query.states.length > 1 ? [state, ...STATES] : STATES;
  const filtered = query.states.length > 0 || query.name !== '' || query.worker !== '' || query.queue !== '' || query.range !== '' || query.receivedAfter !== '' || query.receivedBefore !== '' || query.search !== '';

  return (
    <div className={styles.filters} role="search" aria-label="Filter tasks">
      <label className={styles.search}>
        Search
        <input
          type="search"
          data-testid="tasks-search"
          placeholder="id, name, args, kwargs, result… or name:x state:y"
          value={search}
          aria-invalid={searchFault !== null}
          aria-describedby={searchFault !== null ? SEARCH_ERROR_ID : undefined}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              sent.current = search;
              onChange({ ...query, search });
            }
          }}
        />
      </label>
      <label>
        State
        <select data-testid="filter-state" value={state} onChange={(e) => onChange({ ...query, states: e.target.value === '' ? [] : e.target.value.split(',') })}>
          <option value="">any</option>
          {stateOptions.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <NameSelect label="Task" testId="filter-name" value={query.name} values={types.data?.['task-types'] ?? []} onChange={(name) => onChange({ ...query, name })} />
      <NameSelect label="Worker" testId="filter-worker" value={query.worker} values={Object.keys(workers.data ?? {})} onChange={(worker) => onChange({ ...query, worker })} />
      <NameSelect label="Queue" testId="filter-queue" value={query.queue} values={(queues.data?.queues ?? []).map((q) => q.name)} onChange={(queue) => onChange({ ...query, queue })} />
      <label>
        Received
        <select
          data-testid="filter-range"
          value={query.range === '' && between ? 'custom' : query.range}
          onChange={(e) => {
            const custom = e.target.value === 'custom';
            setBetween(custom);
            onChange({ ...query, range: custom ? '' : e.target.value, ...(!custom && { receivedAfter: '', receivedBefore: '' }) });
          }}
        >
          <option value="">any time</option>
          {RANGE_PRESETS.map((preset) => (
            <option key={preset.value} value={preset.value}>
              {preset.label}
            </option>
          ))}
          <option value="custom">between…</option>
        </select>
      </label>
      {query.range === '' && between && (
        <>
          <label>
            after
            <input type="datetime-local" step="1" data-testid="filter-received-after" value={query.receivedAfter} onChange={(e) => onChange({ ...query, receivedAfter: e.target.value })} />
          </label>
          <label>
            before
            <input type="datetime-local" step="1" data-testid="filter-received-before" value={query.receivedBefore} onChange={(e) => onChange({ ...query, receivedBefore: e.target.value })} />
          </label>
        </>
      )}
      {filtered && (
        <button
          type="button"
          className="button ghost"
          data-testid="filters-clear"
          onClick={() => {
            setSearch('');
            setBetween(false);
            onChange({ ...query, states: [], name: '', worker: '', queue: '', range: '', receivedAfter: '', receivedBefore: '', search: '' });
          }}
        >
          Clear filters
        </button>
      )}
      {searchFault !== null && <SearchErrorNote message={searchFault.message} text={searchFault.text} position={searchFault.position} keptRows={searchFault.keptRows} />}
    </div>
  );
}

'use client';
/**
 * The task page's data: the task's live record over Socket.IO (it changes with every event), and the REST
 * detail and workflow, fetched again whenever the live record moves. A running task's PROGRESS meta only
 * lives in the result backend (update_state sends no event), so until the task is ready the detail is
 * also polled, once a second.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect } from 'react';
import type { TaskDetail, V1Task, Workflow } from '@/lib/api/tasks';
import { ApiError, fetchJson } from '../api/api-client';
import { useLiveTask } from '../live/live-hooks';
import { FINISHED_STATES } from '@/lib/api/task-states';


export interface TaskData {
  /** The task as pushed: the same record as `detail.task`, newer. */
  readonly live: V1Task | null | undefined;
  readonly detail: TaskDetail | undefined;
  readonly detailError: Error | null;
  readonly workflow: Workflow | undefined;
  readonly workflowError: Error | null;
  /** The newest state known: the live record's, else the model's, else the result backend's. */
  readonly state: string | null;
  readonly ready: boolean;
  readonly refresh: () => void;
}

const notFoundNoRetry = (failures: number, error: Error): boolean => !(error instanceof ApiError && error.status === 404) && failures < 2;

export function useTaskData(id: string): TaskData {
  const queryClient = useQueryClient();
  const { task: live } = useLiveTask(id);
  const path = `/api/v1/tasks/${encodeURIComponent(id)}`;

  const detailQuery = useQuery({
    queryKey: ['task-detail', id],
    queryFn: ({ signal }) => fetchJson<TaskDetail>(path, {}, signal),
    retry: notFoundNoRetry,
    refetchInterval: (query) => {
      const data = query.state.data;
      if (data === undefined) return false;
      const known = data.task?.state ?? stringField(data.backend?.meta?.['status']);
      return known !== null && FINISHED_STATES.has(known) ? false : 1000;
    },
  });
  const workflowQuery = useQuery({
    queryKey: ['task-workflow', id],
    queryFn: ({ signal }) => fetchJson<Workflow>(`${path}/workflow`, {}, signal),
    retry: notFoundNoRetry,
    // The rest of a chain or chord moves without this task changing: follow it while any of it runs.
    refetchInterval: (query) => {
      const data = query.state.data;
      if (data === undefined) return false;
      return data.nodes.some((node) => node.known && (node.state === null || !FINISHED_STATES.has(node.state))) ? 2000 : false;
    },
  });

  const refresh = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: ['task-detail', id] });
    void queryClient.invalidateQueries({ queryKey: ['task-workflow', id] });
  }, [id, queryClient]);

  const signature = live ? `${live.state}|${live.timestamp}|${live.retries}|${live.children.length}` : String(live);
  useEffect(() => {
    // `live` is read through `signature`: only a change worth a fetch triggers one.
    if (signature !== 'undefined') refresh();
  }, [signature, refresh]);

  const detail = detailQuery.data;
  const state = live?.state ?? detail?.task?.state ?? stringField(detail?.backend?.meta?.['status']);
  return {
    live,
    detail,
    detailError: detailQuery.error,
    workflow: workflowQuery.data,
    workflowError: workflowQuery.error,
    state,
    ready: state !== null && FINISHED_STATES.has(state),
    refresh,
  };
}

function stringField(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

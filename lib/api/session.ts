/** GET /api/v1/session: what the dashboard needs to know about its caller before offering controls. */
export interface Session {
  readonly user: string | null;
  readonly authRequired: boolean;
  readonly readOnly: boolean;
  /** Whether this caller may use controls (false in read-only mode, or with no auth and no --unauthenticated-api). */
  readonly controlsEnabled: boolean;
  /** Sent back as the x-pollen-csrf header with every control request from the browser. */
  readonly csrfToken: string;
  readonly urlPrefix: string;
}

/** The header that carries Session.csrfToken on control requests. */
export const CSRF_HEADER = 'x-pollen-csrf';

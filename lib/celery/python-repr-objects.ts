/**
 * The Python objects whose repr is a call and whose value Celery's JSON serializer can carry: datetime,
 * date, time, Decimal and UUID (kombu encodes them as strings, or as tagged objects since kombu 5.3), and
 * the timedelta/timezone values that appear inside a datetime's repr. Anything else is not a literal.
 */
import type { JsonValue } from './json';
import { type CallArguments, PyObject, PySet, PyTuple, type PyValue, ReprErrorCode, reprFailure } from './python-repr-values';

export type Dotted = string & { readonly __dotted: unique symbol };
type Types = 'plain' | 'kombu-tagged';

class PyScalar extends PyObject {
  constructor(
    private readonly tag: string,
    private readonly plain: string,
    private readonly tagged: JsonValue,
    private readonly types: Types,
  ) {
    super();
  }
  toJson(): JsonValue {
    return this.types === 'plain' ? this.plain : { __type__: this.tag, __value__: this.tagged };
  }
}

/** Values that exist only inside other reprs (a timezone's offset, a datetime's tzinfo). */
class PyOpaque extends PyObject {
  constructor(readonly what: string) {
    super();
  }
  toJson(offset: number): JsonValue {
    throw reprFailure(ReprErrorCode.Unrepresentable, `${this.what} has no JSON form in Celery's serializer`, offset);
  }
}

class PyTimedelta extends PyOpaque {
  constructor(readonly microseconds: number) {
    super('a timedelta');
  }
}

/** A tzinfo: a fixed offset, or an IANA zone whose offset depends on the wall time. */
export class PyTzinfo extends PyOpaque {
  constructor(
    readonly fixedMicroseconds: number | null,
    readonly zone: string | null,
  ) {
    super('a tzinfo');
  }
  /** Offset in microseconds at a wall-clock time given as if it were UTC (ms since epoch). */
  offsetAt(wallMs: number): number {
    if (this.fixedMicroseconds !== null) return this.fixedMicroseconds;
    const zone = this.zone as string;
    // Two passes find the offset in force at that wall time (the second settles DST transitions).
    let offset = zoneOffsetMs(zone, wallMs);
    offset = zoneOffsetMs(zone, wallMs - offset);
    return offset * 1000;
  }
}

const UTC = new PyTzinfo(0, null);

function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** pytz's `<UTC>` and `<DstTzInfo 'Europe/Paris' CET+1:00:00 STD>`, which carry their offset. */
export function tzinfoFromAngleRepr(inner: string): PyTzinfo | null {
  if (inner === 'UTC') return UTC;
  const m = /^DstTzInfo '[^']*' \S*?(\+)?(?:(-?\d+) days?, )?(\d{1,2}):(\d\d):(\d\d) (?:STD|DST)$/.exec(inner);
  if (!m) return null;
  const seconds = Number(m[2] ?? 0) * 86400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
  return new PyTzinfo(seconds * 1_000_000, null);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function isoOffset(micro: number): string {
  const sign = micro < 0 ? '-' : '+';
  let rest = Math.abs(micro);
  const us = rest % 1_000_000;
  rest = (rest - us) / 1_000_000;
  const s = rest % 60;
  const m = ((rest - s) / 60) % 60;
  const h = Math.floor(rest / 3600);
  return `${sign}${pad(h, 2)}:${pad(m, 2)}${s || us ? `:${pad(s, 2)}` : ''}${us ? `.${pad(us, 6)}` : ''}`;
}

function isoTime(h: number, m: number, s: number, us: number): string {
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${us ? `.${pad(us, 6)}` : ''}`;
}

export function construct(name: Dotted, call: CallArguments | null, offset: number, types: Types): PyValue {
  const notLiteral = (): never => {
    throw reprFailure(ReprErrorCode.NotLiteral, `${name}${call ? '(...)' : ''} is not a literal`, offset);
  };
  const invalid = (why: string): never => {
    throw reprFailure(ReprErrorCode.Syntax, `${name}(...): ${why}`, offset);
  };
  if (call === null) return name === 'datetime.timezone.utc' ? UTC : notLiteral();
  const { positional: args, keywords: kw } = call;
  const int = (value: PyValue | undefined, fallback: number | null, what: string): number => {
    if (value === undefined && fallback !== null) return fallback;
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    return invalid(`${what} must be an integer`);
  };
  const text = (value: PyValue | undefined, what: string): string => (typeof value === 'string' ? value : invalid(`${what} must be a string`));
  const tz = (value: PyValue | undefined): PyTzinfo | null => {
    if (value === undefined || value === null) return null;
    return value instanceof PyTzinfo ? value : invalid('tzinfo is not a timezone');
  };

  switch (name) {
    case 'datetime.datetime': {
      const [y, mo, d, h, mi, s, us] = [0, 1, 2, 3, 4, 5, 6].map((i) =>
        int(args[i], i < 3 ? null : 0, ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'][i] as string),
      ) as [number, number, number, number, number, number, number];
      checkDate(y, mo, d, invalid);
      checkTime(h, mi, s, us, invalid);
      const zone = tz(args[7] ?? kw['tzinfo']);
      let iso = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${isoTime(h, mi, s, us)}`;
      if (zone) iso += isoOffset(zone.offsetAt(Date.UTC(y, mo - 1, d, h, mi, s)));
      // kombu 5.2's encoder writes a UTC offset as 'Z'; kombu >= 5.3 keeps isoformat() as it is.
      const plain = iso.endsWith('+00:00') ? `${iso.slice(0, -6)}Z` : iso;
      return new PyScalar('datetime', plain, iso, types);
    }
    case 'datetime.date': {
      const [y, mo, d] = [0, 1, 2].map((i) => int(args[i], null, ['year', 'month', 'day'][i] as string)) as [number, number, number];
      checkDate(y, mo, d, invalid);
      const iso = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`;
      return new PyScalar('date', iso, iso, types);
    }
    case 'datetime.time': {
      const [h, mi, s, us] = [0, 1, 2, 3].map((i) => int(args[i], 0, ['hour', 'minute', 'second', 'microsecond'][i] as string)) as [number, number, number, number];
      checkTime(h, mi, s, us, invalid);
      const zone = tz(args[4] ?? kw['tzinfo']);
      // A zone's offset depends on the date, which a time does not have: Python then writes no offset.
      const iso = isoTime(h, mi, s, us) + (zone?.fixedMicroseconds != null ? isoOffset(zone.fixedMicroseconds) : '');
      return new PyScalar('time', iso, iso, types);
    }
    case 'datetime.timedelta': {
      const days = int(args[0] ?? kw['days'], 0, 'days');
      const seconds = int(args[1] ?? kw['seconds'], 0, 'seconds');
      const micro = int(args[2] ?? kw['microseconds'], 0, 'microseconds');
      return new PyTimedelta((days * 86400 + seconds) * 1_000_000 + micro);
    }
    case 'datetime.timezone': {
      const delta = args[0] ?? kw['offset'];
      if (!(delta instanceof PyTimedelta)) return invalid('offset must be a timedelta');
      return new PyTzinfo(delta.microseconds, null);
    }
    case 'zoneinfo.ZoneInfo': {
      const key = text(args[0] ?? kw['key'], 'key');
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: key });
      } catch {
        return invalid(`unknown time zone ${JSON.stringify(key)}`);
      }
      return new PyTzinfo(null, key);
    }
    case 'Decimal':
    case 'decimal.Decimal': {
      const value = args[0];
      const plain = typeof value === 'number' && Number.isInteger(value) ? String(value) : text(value, 'value');
      return new PyScalar('decimal', plain, plain, types);
    }
    case 'UUID':
    case 'uuid.UUID': {
      const hex = text(args[0] ?? kw['hex'], 'hex').replace(/[{}-]/g, '').replace(/^urn:uuid:/, '').toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(hex)) return invalid('not a UUID');
      const canonical = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      // Python reports a version only for RFC 4122 variant UUIDs.
      const version = /^[89ab]$/.test(hex[16] as string) ? parseInt(hex[12] as string, 16) : null;
      return new PyScalar('uuid', canonical, { hex, version }, types);
    }
    case 'set':
    case 'frozenset': {
      if (args.length === 0) return new PySet([]);
      const items = args[0];
      if (Array.isArray(items)) return new PySet(items);
      if (items instanceof PySet || items instanceof PyTuple) return new PySet(items.items);
      return invalid('expected an iterable literal');
    }
    default:
      return notLiteral();
  }
}

function checkDate(y: number, m: number, d: number, invalid: (why: string) => never): void {
  if (y < 1 || y > 9999 || m < 1 || m > 12) invalid('date out of range');
  const days = new Date(Date.UTC(2000, m, 0)).getUTCDate();
  const leap = m === 2 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0);
  if (d < 1 || d > (leap ? 28 : days)) invalid('day out of range');
}

function checkTime(h: number, m: number, s: number, us: number, invalid: (why: string) => never): void {
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59 || us < 0 || us > 999_999) invalid('time out of range');
}

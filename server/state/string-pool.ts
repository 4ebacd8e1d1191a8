/**
 * One copy of each task name, node name, queue and root id the model holds. The JSON parser makes new
 * strings for every event, so without this each of a million tasks would keep its own copy of its name
 * and its worker's hostname (about 100 bytes a task). Bounded: past `max` distinct strings it starts
 * over, since it only saves memory and a stream of unique names must not grow it without end.
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  constructor(private readonly max = 100_000) {}

  share(value: string): string {
    const held = this.strings.get(value);
    if (held !== undefined) return held;
    if (this.strings.size >= this.max) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }
}

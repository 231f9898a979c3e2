/**
 * What happens to the local members, told twice: to in-process listeners (the supervisor
 * wakes its loops and prints live lines) and to the cluster's event log as a ClusterEvent
 * (controller/events.ts), where exits, kills and back-offs are Warnings.
 */
import type { EventSink } from '../../controller/events.js';
import type { PlatformEvent, PlatformEventType } from '../platform.js';

const WARNINGS = new Set<PlatformEventType>(['Killed', 'Exited', 'BackOff']);

export class MemberEvents {
  private readonly listeners = new Set<(e: PlatformEvent) => void>();

  constructor(private readonly log: EventSink) {}

  on(listener: (e: PlatformEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(member: string, type: PlatformEventType, message: string): void {
    const e: PlatformEvent = { time: new Date().toISOString(), member, type, message };
    for (const l of this.listeners) l(e);
    void this.log.record({ time: e.time, type: WARNINGS.has(type) ? 'Warning' : 'Normal', reason: type, message, member, source: 'platform' }).catch(() => {});
  }
}

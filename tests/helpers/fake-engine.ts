import type { EventMessage } from '../../src/shared/contract';
import { Engine } from '../../src/main/engine';

/** A real Engine on a temp data folder, plus a way to push events as subsystems would. */
export class TestEngine extends Engine {
  push(message: EventMessage): void {
    this.emit(message.event, message.payload as never);
  }
}

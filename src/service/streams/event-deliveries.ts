import type { WebhookEvent, WebhookSender } from '../webhooks/send-webhook.js';

/**
 * Sends stream events in the background (a slow platform never holds up the frames) and keeps
 * track of those in flight, so that a shutdown can give them a moment to land.
 */
export class EventDeliveries {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sender: WebhookSender | undefined,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Whether events can be signed and sent at all. */
  get enabled(): boolean {
    return this.sender !== undefined;
  }

  /** Sends the event to `url` (nothing without a URL or a sender); failures go to onError. */
  deliver(url: string | undefined, event: WebhookEvent, about: string): void {
    if (this.sender === undefined || url === undefined) return;
    const delivery = this.sender
      .send(url, event)
      .then((result) => {
        if (!result.ok) {
          this.onError(
            new Error(
              `${event.type} for ${about} not delivered after ${result.attempts} attempts: ${result.error ?? 'no answer'}`,
            ),
          );
        }
      })
      .catch((error: unknown) => this.onError(error))
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Waits for the events in flight, at most `ms`. */
  async settle(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.inFlight),
      new Promise((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }
}

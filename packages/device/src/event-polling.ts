/**
 * Pacing for Dawn's event polling in Node.
 *
 * Dawn's Node binding (npm `webgpu`) settles buffer maps, work-done promises and asynchronous
 * pipelines by polling. While any of them is pending, a native callback calls
 * wgpuInstanceProcessEvents and queues itself again with the global `setImmediate`. That loop keeps
 * one CPU core busy for as long as the GPU works. On a CPU adapter such as lavapipe, that core is
 * taken from the threads that run the shaders. With 2 cores, MobileNetV2 feature extraction at batch 8
 * ran at 27-28 images/s with the loop and at 37 with it paced by a 1 ms timer.
 *
 * Pacing replaces the global `setImmediate` with a function that recognises Dawn's callback (a
 * native function with no name and no arguments) and re-queues it on a 1 ms timer once a poll
 * sequence has run for POLL_IMMEDIATE_MS. Every other caller gets the original `setImmediate`.
 * Dawn reads the global at each call, so the replacement takes effect without touching Dawn.
 */

/** Mode of Dawn's event polling: its own busy loop, or paced by a timer. */
export type EventPolling = 'busy' | 'paced';

// Polls of the first 0.5 ms of a wait stay immediate, so short waits (small uploads, test
// dispatches) do not pay the timer's granularity.
const POLL_IMMEDIATE_MS = 0.5;

// Node's timers count whole milliseconds, so 1 ms is the shortest interval. It adds about 1 ms to a wait.
const POLL_INTERVAL_MS = 1;

type ImmediateFunction = typeof globalThis.setImmediate;

let nativeSetImmediate: ImmediateFunction | null = null;
let insidePoll = false;
let sequenceStart = 0;

/** True for the callback Dawn's binding queues: a native function with no name, called without arguments. */
function isDawnPoll(callback: unknown, args: unknown[]): callback is () => void {
  return (
    typeof callback === 'function' &&
    args.length === 0 &&
    callback.name === '' &&
    // endsWith reads only the suffix, so an anonymous callback's long source costs nothing here.
    Function.prototype.toString.call(callback).endsWith('[native code] }')
  );
}

/**
 * Sets how Dawn's binding polls for events in this process. `paced` installs the replacement
 * `setImmediate` described above (once, however often it is called); `busy` restores the original.
 */
export function setEventPolling(mode: EventPolling): void {
  if (mode !== 'busy' && mode !== 'paced') {
    throw new Error(`Invalid event polling mode ${String(mode)}: expected busy or paced.`);
  }
  if (mode === 'busy') {
    if (nativeSetImmediate) globalThis.setImmediate = nativeSetImmediate;
    nativeSetImmediate = null;
    return;
  }
  if (nativeSetImmediate) return;

  const original = globalThis.setImmediate;
  nativeSetImmediate = original;
  const paced = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
    if (!isDawnPoll(callback, args)) return original(callback, ...args);

    // A poll queued from outside a poll callback starts a new wait.
    if (!insidePoll) sequenceStart = performance.now();
    const run = () => {
      insidePoll = true;
      try {
        callback();
      } finally {
        insidePoll = false;
      }
    };
    if (performance.now() - sequenceStart < POLL_IMMEDIATE_MS) return original(run);
    return setTimeout(run, POLL_INTERVAL_MS);
  }) as unknown as ImmediateFunction;

  // Keeps util.promisify(setImmediate) and other properties of the original working.
  Object.defineProperties(paced, Object.getOwnPropertyDescriptors(original));
  globalThis.setImmediate = paced;
}

/** Returns the current polling mode of this process. */
export function eventPolling(): EventPolling {
  return nativeSetImmediate ? 'paced' : 'busy';
}

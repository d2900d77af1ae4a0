// XState 5 side of tests/bench/bench_workflow.cpp. The same two machines as
// the C++ bench (a toggle and a service-control chart), driven by the same
// event sequences, timed two ways:
//   transition  the pure API (transition(machine, snapshot, event)): no actor,
//               no mailbox, the closest match to opora's Machine::send;
//   actor       createActor(machine).start() and actor.send(event), as an
//               application would use it.
// Prints one line per figure: "<machine> <api> <events/s> <check>", best of
// `reps` rounds; <check> is the final state and context, so the C++ side can
// see both engines ended in the same place.
//
//   node bench.mjs [toggle_events=1000000] [service_events=300000] [reps=3]
import { assign, createActor, createMachine, initialTransition, transition } from 'xstate';

const toggleEvents = Number(process.argv[2] ?? 1000000);
const serviceEvents = Number(process.argv[3] ?? 300000);
const reps = Number(process.argv[4] ?? 3);

const toggle = createMachine({
  id: 'toggle',
  initial: 'off',
  states: {
    off: { on: { toggle: 'on', disable: 'disabled' } },
    on: { on: { toggle: 'off', disable: 'disabled' } },
    disabled: { on: { enable: 'off' } },
  },
});

// Mirrors kService in bench_workflow.cpp.
const service = createMachine({
  id: 'service',
  initial: 'stopped',
  context: { restarts: 0, max_restarts: 1000000000, errors: 0, max_errors: 1000000000 },
  states: {
    stopped: { on: { start: 'active' } },
    active: {
      initial: 'starting',
      on: {
        stop: 'stopping',
        crash: {
          target: 'failed',
          actions: assign({ restarts: ({ context }) => context.restarts + 1 }),
        },
      },
      states: {
        starting: { on: { ready: 'running' } },
        running: {
          type: 'parallel',
          states: {
            health: {
              initial: 'healthy',
              states: {
                healthy: {
                  on: {
                    degrade: {
                      target: 'degraded',
                      guard: ({ context }) => context.errors < context.max_errors,
                    },
                  },
                },
                degraded: { on: { recover: 'healthy' } },
              },
            },
            load: {
              initial: 'idle',
              states: {
                idle: { on: { busy: 'busy' } },
                busy: { on: { idle: 'idle' } },
              },
            },
          },
        },
      },
    },
    stopping: { on: { stopped: 'stopped' } },
    failed: {
      always: { target: 'active', guard: ({ context }) => context.restarts < context.max_restarts },
      on: { reset: 'stopped' },
    },
  },
});

const serviceCycle = ['start', 'ready', 'degrade', 'busy', 'recover', 'idle', 'crash', 'ready',
  'stop', 'stopped'].map((type) => ({ type }));
const toggleCycle = [{ type: 'toggle' }];

function check(snapshot) {
  return JSON.stringify(snapshot.value).replace(/\s/g, '') + '|' +
    JSON.stringify(snapshot.context).replace(/\s/g, '');
}

function pure(machine, cycle, n) {
  let [s] = initialTransition(machine);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; ++i) [s] = transition(machine, s, cycle[i % cycle.length]);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return [n / secs, check(s)];
}

function actor(machine, cycle, n) {
  const a = createActor(machine).start();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; ++i) a.send(cycle[i % cycle.length]);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = [n / secs, check(a.getSnapshot())];
  a.stop();
  return out;
}

function best(fn, machine, cycle, n) {
  fn(machine, cycle, Math.min(n, 20000));  // warm the JIT
  let top = [0, ''];
  for (let r = 0; r < reps; ++r) {
    const got = fn(machine, cycle, n);
    if (got[0] > top[0]) top = got;
  }
  return top;
}

for (const [name, machine, cycle, n] of [['toggle', toggle, toggleCycle, toggleEvents],
  ['service', service, serviceCycle, serviceEvents]]) {
  for (const [api, fn] of [['transition', pure], ['actor', actor]]) {
    const [rate, state] = best(fn, machine, cycle, n);
    console.log(`${name} ${api} ${rate.toFixed(0)} ${state}`);
  }
}

// Every migration, in order. Listed by hand so the build and the tests load the same set.
import { Foundation1764200000000 } from './1764200000000-foundation.js';
import { ReleaseProcess1764300000000 } from './1764300000000-release-process.js';
import { RolloutEngine1764330000000 } from './1764330000000-rollout-engine.js';
import { Switches1764340000000 } from './1764340000000-switches.js';
import { SignalsJudgmentRollback1764350000000 } from './1764350000000-signals-judgment-rollback.js';
import { TrafficShift1764360000000 } from './1764360000000-traffic-shift.js';
import { JsonDocuments1764370000000 } from './1764370000000-json-documents.js';
import { RolloutDueAt1764380000000 } from './1764380000000-rollout-due-at.js';
import { HeartbeatInterval1764390000000 } from './1764390000000-heartbeat-interval.js';
import { HostIdentity1764400000000 } from './1764400000000-host-identity.js';
import { SignalCountersBigint1764410000000 } from './1764410000000-signal-counters-bigint.js';
import { LeastPrivilegeRoles1764420000000 } from './1764420000000-least-privilege-roles.js';

export const MIGRATIONS = [
  Foundation1764200000000,
  ReleaseProcess1764300000000,
  RolloutEngine1764330000000,
  Switches1764340000000,
  SignalsJudgmentRollback1764350000000,
  TrafficShift1764360000000,
  JsonDocuments1764370000000,
  RolloutDueAt1764380000000,
  HeartbeatInterval1764390000000,
  HostIdentity1764400000000,
  SignalCountersBigint1764410000000,
  LeastPrivilegeRoles1764420000000,
];

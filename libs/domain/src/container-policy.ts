// What the control plane refuses to run, whatever the spec's shape: privileged
// containers, the host's PID namespace, and bind mounts from outside the configured
// allow-list. Pure: the allow-list comes from configuration, passed in.
import type { ContainerSpec } from '../../protocol/src/service.js';

export interface PolicyIssue {
  /** Where in the container spec, e.g. `mounts.1.source`. */
  path: string;
  message: string;
}

/** Absolute path prefixes a bind mount's source may come from; empty: no bind mounts. */
export type MountAllowList = readonly string[];

export function containerPolicyIssues(
  spec: Pick<ContainerSpec, 'privileged' | 'pidMode' | 'mounts'>,
  mountAllowList: MountAllowList,
): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  if (spec.privileged === true) issues.push({ path: 'privileged', message: 'privileged containers are not allowed' });
  if (spec.pidMode === 'host') issues.push({ path: 'pidMode', message: "the host's PID namespace is not allowed" });
  spec.mounts.forEach((mount, index) => {
    if (!isAllowedMountSource(mount.source, mountAllowList)) {
      issues.push({
        path: `mounts.${index}.source`,
        message: mountAllowList.length
          ? `${mount.source} is outside the mount allow-list (${mountAllowList.join(', ')})`
          : `${mount.source}: bind mounts are not allowed (the mount allow-list is empty)`,
      });
    }
  });
  return issues;
}

/**
 * A source is allowed when it is a prefix itself or lies under one, segment-wise: the
 * prefix /srv/data allows /srv/data/x but not /srv/database. Sources are absolute and
 * free of `.`/`..` segments (the protocol schema sees to that), so no normalising here.
 */
export function isAllowedMountSource(source: string, allowList: MountAllowList): boolean {
  return allowList.some((prefix) => {
    const base = prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
    return base === '/' || source === base || source.startsWith(`${base}/`);
  });
}

import type { UserConfig } from 'vitest/config';

export function unitTestConfig(options?: { slow?: boolean; withVmTests?: boolean }): UserConfig;
export function vmTestConfig(): UserConfig;

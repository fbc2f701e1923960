import { defineConfig } from 'vitest/config';
import { packageTestConfig } from '../../scripts/vitest.shared.ts';

export default defineConfig(packageTestConfig());

export declare const repoRoot: string;
export declare const PUBLISHED_PACKAGES: string[];
export declare function packPackages(destination: string): Record<string, string>;
export declare function installTarballs(projectDir: string, tarballs: Record<string, string>): void;

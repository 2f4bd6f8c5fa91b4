export function writeBenchmarksDoc(_path: string, _report: unknown, _file: string): void {}

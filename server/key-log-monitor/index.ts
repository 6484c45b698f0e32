// The key log monitor (docs/key-log.md, "Forks"): `npm run haven -- key-log-monitor`.
export { MonitorSetupError, runKeyLogMonitor } from './run-monitor';
export { MONITOR_STATE_FILE_NAME, monitorStatePath } from './state-file';

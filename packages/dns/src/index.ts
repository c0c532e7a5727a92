export { answer, RCODE, TYPE, SCHEMA_VERSION, type Answer, type AnswerConfig, type Question, type RR } from './answer';
export { DnsHandler } from './handler';
export type { DnsEndpoint, DnsService, ZoneSource } from './records';
export { dnsConfigFromEnv, runDnsFromEnv, type DnsConfig } from './run';
export { startDnsServer, type DnsServerOptions, type RunningDnsServer } from './server';
export { WatchCache } from './watch-cache';
export { ZoneIndex } from './zone-index';

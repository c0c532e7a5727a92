export { runNodeAgentFromEnv, type RunningAgent } from './agent';
export * from './node-object';

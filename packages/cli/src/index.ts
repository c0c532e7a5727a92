export * from './printers/table';
export * from './printers/output';

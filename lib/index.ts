export * from './engine';
export * from './nest';

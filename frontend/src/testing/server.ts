import { setupServer } from 'msw/node';

/** The mock API; each test adds the handlers it needs with server.use(...). */
export const server = setupServer();

export const API = 'http://localhost:3000/api';

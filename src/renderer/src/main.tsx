import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { EngineProvider } from './engine-context';
import { createEngineClient } from './engine-client';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EngineProvider client={createEngineClient()}>
      <App />
    </EngineProvider>
  </StrictMode>,
);

import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import type { EngineClient, MethodArgs, MethodName, MethodResult } from '../../shared/contract';
import { EngineError } from './engine-client';

const EngineContext = createContext<EngineClient | null>(null);

export function EngineProvider({ client, children }: { client: EngineClient; children: ReactNode }) {
  return <EngineContext.Provider value={client}>{children}</EngineContext.Provider>;
}

export function useEngine(): EngineClient {
  const client = useContext(EngineContext);
  if (!client) throw new Error('useEngine outside EngineProvider');
  return client;
}

export interface Query<T> {
  data?: T;
  error: EngineError | null;
  loading: boolean;
  reload: () => void;
}

/** Calls the engine and keeps the latest result; `reload` calls again. */
export function useEngineQuery<M extends MethodName>(method: M, args: MethodArgs<M>): Query<MethodResult<M>> {
  const engine = useEngine();
  const [state, setState] = useState<{ data?: MethodResult<M>; error: EngineError | null; loading: boolean }>({
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(args);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    engine.call(method, JSON.parse(key) as MethodArgs<M>).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        live &&
        setState({
          error: error instanceof EngineError ? error : new EngineError('internal', String(error), ''),
          loading: false,
        }),
    );
    return () => {
      live = false;
    };
  }, [engine, method, key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

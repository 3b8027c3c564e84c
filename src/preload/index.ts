// Runs in Electron's sandboxed preload: it may use only `electron`'s renderer modules. It exposes
// exactly the engine contract (one function per call, plus event subscription) and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from './bridge';

contextBridge.exposeInMainWorld('rollkeeper', buildBridge(ipcRenderer));

// Electron's entry point: nothing here but handing the real Electron to the app's wiring.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import { startApp } from './app/start-app';

void startApp({ app, BrowserWindow, ipcMain, dialog }, path.dirname(fileURLToPath(import.meta.url)));

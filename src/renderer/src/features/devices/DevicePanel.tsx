import { useEffect } from 'react';
import { formatStorage } from '../../../../shared/format';
import type { Device } from '../../../../shared/contract';
import { useEngine, useEngineQuery } from '../../engine-context';
import { BackupControls } from '../backup/BackupControls';

const STATE_LABEL: Record<Device['state'], string> = {
  connecting: 'Connecting…',
  'trust-pending': 'Waiting for Trust',
  locked: 'Locked',
  ready: 'Ready',
  disconnected: 'Disconnected',
  error: 'Problem',
};

/** The phones attached now, kept fresh by device events. */
export function DevicePanel() {
  const engine = useEngine();
  const devices = useEngineQuery('devices.list', {});
  const info = useEngineQuery('app.info', {});
  const { reload } = devices;
  const reloadInfo = info.reload;
  const noPhone = devices.data?.length === 0;
  // usbmuxd can start or stop at any time and sends nothing then: look again while no phone shows.
  useEffect(() => {
    if (!noPhone) return;
    const timer = setInterval(reloadInfo, 3000);
    return () => clearInterval(timer);
  }, [noPhone, reloadInfo]);
  useEffect(() => {
    const offs = [
      engine.on('device.attached', reload),
      engine.on('device.detached', reload),
      engine.on('device.state', reload),
    ];
    return () => offs.forEach((off) => off());
  }, [engine, reload]);

  return (
    <section className="devices" aria-label="Phones">
      <h2>Phones</h2>
      {devices.error && <p className="error">{devices.error.message}</p>}
      {noPhone && <p className="muted">Connect your iPhone with a cable, unlock it, and tap Trust if it asks.</p>}
      {noPhone && info.data?.deviceProblem && (
        <p className="device-problem" role="status">
          {info.data.deviceProblem.message} {info.data.deviceProblem.hint}
        </p>
      )}
      <ul>
        {devices.data?.map((d) => (
          <li key={d.udid} className={`device state-${d.state}`}>
            <strong>{d.name}</strong>
            <span>
              {d.model} · iOS {d.iosVersion} · {d.connection === 'usb' ? 'USB' : 'Wi-Fi'}
            </span>
            {d.storage && (
              <span className="muted">
                {formatStorage(d.storage.freeBytes)} free of {formatStorage(d.storage.totalBytes)}
              </span>
            )}
            <span className="device-state">{STATE_LABEL[d.state]}</span>
            {d.message && <span className="device-message">{d.message}</span>}
            {d.state === 'ready' && <BackupControls udid={d.udid} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

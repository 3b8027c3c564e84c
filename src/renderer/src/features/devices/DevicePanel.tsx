import { useEffect } from 'react';
import type { Device } from '../../../../shared/contract';
import { useEngine, useEngineQuery } from '../../engine-context';

const STATE_LABEL: Record<Device['state'], string> = {
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
  const { reload } = devices;
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
      {devices.data?.length === 0 && (
        <p className="muted">Connect your iPhone with a cable, unlock it, and tap Trust if it asks.</p>
      )}
      <ul>
        {devices.data?.map((d) => (
          <li key={d.udid} className={`device state-${d.state}`}>
            <strong>{d.name}</strong>
            <span>
              {d.model} · iOS {d.iosVersion} · {d.connection === 'usb' ? 'USB' : 'Wi-Fi'}
            </span>
            <span className="device-state">{STATE_LABEL[d.state]}</span>
            {d.message && <span className="device-message">{d.message}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The certificate a node serves, read with one TLS handshake (no command is sent). */
import { connect } from 'node:tls';
import { NodeCheckError } from '../errors.js';
import { type NodeAddress, formatAddress } from './address.js';
import { type ConnectionProfile, tlsOptions } from './profile.js';

/**
 * The DER of the certificate `addr` presents to a client of this profile (its client
 * certificate goes along, for nodes with tls-auth-clients yes). Not verified: it is only
 * read, to compare with the one the node should serve, and nothing is sent over the link.
 */
export function servedCertificate(addr: NodeAddress, profile: ConnectionProfile, timeoutMs = 2000): Promise<Buffer> {
  const tls = tlsOptions(profile);
  const where = formatAddress(addr);
  if (!tls) return Promise.reject(new Error(`${where}: the profile has no TLS`));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: addr.host, port: addr.port, ...tls, rejectUnauthorized: false, timeout: timeoutMs });
    const fail = (reason: string) => {
      socket.destroy();
      reject(new NodeCheckError(`${where}: ${reason}`, { subject: where }));
    };
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      // A clean close (close_notify, then FIN) once the server is done: a destroyed socket
      // resets the connection before Redis read our Finished, and Redis logs a warning each time.
      socket.end();
      socket.resume();
      if (raw) resolve(raw);
      else reject(new NodeCheckError(`${where}: no certificate served`, { subject: where }));
    });
    socket.once('close', () => socket.destroy());
    socket.once('timeout', () => fail(`no TLS handshake within ${timeoutMs} ms`));
    socket.once('error', (err) => fail(err.message));
  });
}

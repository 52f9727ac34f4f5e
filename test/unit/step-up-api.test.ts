/** Step-up, owner notices and factor recovery on the memory store with PGlite; mail to a real SMTP server. */
import { composeTestApp } from '../helpers/app.js';
import { PASSKEY_ENV } from '../helpers/passkeys-suite.js';
import { startSmtpServer } from '../helpers/smtp-server.js';
import { stepUpSuite } from '../helpers/step-up-suite.js';

stepUpSuite('memory store, PGlite', async () => {
  const smtp = await startSmtpServer();
  const app = await composeTestApp({ STORE: 'memory', SMTP_URL: smtp.url, ...PASSKEY_ENV });
  return {
    app,
    smtp,
    async close() {
      await app.close();
      await smtp.close();
    },
  };
});

// Opens /graphiql signed out in headless Chromium (the Debian package) and reports what the page
// shows once GraphiQL has tried to load the schema: its text and the tab's icon.
// Usage: node graphiql-signed-out.mjs <app url>
import puppeteer from 'puppeteer-core';

const [appUrl] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const introspected = page.waitForResponse(
    (response) => response.url().endsWith('/graphql') && response.request().method() === 'POST',
  );
  await page.goto(`${appUrl}/graphiql`, { waitUntil: 'load' });
  const introspection = await introspected;
  // GraphiQL shows the schema error in its result pane once the response is read.
  await page.waitForFunction(() => document.body.innerText.includes('Sign in'), { timeout: 10000 }).catch(() => {});
  const shown = await page.evaluate(() => ({
    text: document.body.innerText,
    icon: document.querySelector('link[rel="icon"]')?.getAttribute('href'),
  }));
  console.log(JSON.stringify({ status: introspection.status(), ...shown }));
} finally {
  await browser.close();
}

// Page entry point: builds the app and exposes it as `window.offshelf` for automation.
import { OffshelfApp } from './app';
import { installAutomation } from './automation';

const app = new OffshelfApp();
installAutomation(app);
void app.start();

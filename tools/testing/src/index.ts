export { describeWithService, type IntegrationService, isCi } from './services.js';

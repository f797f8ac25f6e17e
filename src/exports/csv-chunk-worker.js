// Worker threads do not inherit the tsx loader of the thread that starts them: register it, then run the worker.
import { register } from 'tsx/esm/api';

register();
await import('./csv-chunk-worker.ts');

export { importTflite, tfliteToGraph } from './import';

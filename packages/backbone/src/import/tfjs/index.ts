export { importTfjs, isGraphModel, parseModelJson, tfjsToGraph } from './import';

/**
 * Checks REST responses against JSON Schemas: the contracts' own (from the vendored copies) and the gateway's
 * /openapi.json, with a JSON Schema 2020-12 validator.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { CONTRACT_FILES, readContract } from '../src/rest/openapi.ts';

export const FOCUS_CONTRACT = readContract(CONTRACT_FILES.focus);
export const SPOT_CONTRACT = readContract(CONTRACT_FILES.spot);

/** A JSON pointer into an OpenAPI document, as a URI fragment. */
const pointer = (...parts: string[]) => `#/${parts.map((part) => encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;

export class SchemaChecker {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: false });
  readonly #documents = new Map<string, Record<string, any>>();

  constructor() {
    // ajv-formats is CommonJS: under ESM its default import is the module, whose `default` is the plugin.
    formatsModule.default(this.#ajv);
  }

  add(name: string, document: Record<string, any>): this {
    this.#documents.set(name, document);
    this.#ajv.addSchema({ $id: `https://focus-gateway.test/${name}`, ...document });
    return this;
  }

  /**
   * Checks a response's status, then its body against the document's schema for that operation and status. Returns
   * false when the document declares no body schema for it (the generated Spot contract leaves most out).
   */
  check(name: string, operationPath: string, method: string, response: { status: number; body: unknown }, status = response.status): boolean {
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    const document = this.#documents.get(name)!;
    const declared = document.paths[operationPath]?.[method]?.responses?.[String(status)];
    expect(declared, `${name} declares ${method.toUpperCase()} ${operationPath} ${status}`).toBeDefined();
    if (!declared.content) return false;
    const validate = this.#ajv.compile({
      $ref: `https://focus-gateway.test/${name}${pointer('paths', operationPath, method, 'responses', String(status), 'content', 'application/json', 'schema')}`,
    });
    if (!validate(response.body)) throw new Error(`${name}: ${method.toUpperCase()} ${operationPath} ${status}: ${this.#ajv.errorsText(validate.errors)}`);
    return true;
  }
}

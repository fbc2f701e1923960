/**
 * File access for importers, so `backbone` never touches the file system itself:
 * the CLI implements it with `fs`, a web page with `fetch` or dropped `File`s.
 */
export interface ModelSource {
  /** The main file's name or URL, used in error messages and for format detection. */
  name: string;
  /** Reads the main file. */
  readMain(): Promise<Uint8Array>;
  /**
   * Reads a file next to the main one (TF.js weight shards, ONNX external data, a Hugging Face
   * `preprocessor_config.json`), by relative path. Throws `SiblingNotFoundError` where there is no
   * such file, so that importers can tell a missing optional file from an unreadable one.
   */
  readSibling(relativePath: string): Promise<Uint8Array>;
}

/** A decoded image: RGBA8 pixels, row-major, `width * height * 4` bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

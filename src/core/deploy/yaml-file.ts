/** Generated YAML files: a comment saying what the file is, then one document per object, stable across runs. */
import YAML from "yaml";

export interface DeployFile {
  /** Relative to the output folder. */
  path: string;
  content: string;
}

export function yamlFile(path: string, comment: string, documents: readonly unknown[]): DeployFile {
  const header = `# ${comment}\n# Written by trtx deploy: regenerate it rather than editing it by hand.\n`;
  // lineWidth 0: PromQL and command lines stay on one line, as they are read and copied.
  const body = documents.map((d) => YAML.stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
  return { path, content: header + body };
}

/** The file names kustomize recognises as a kustomization, in the order it looks for them. */
export const kustomizationFileNames: readonly string[] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

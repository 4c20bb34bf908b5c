/** `trtx deploy`: a Triton repository served at scale — Kubernetes manifests, compose for one box, and their offline check. */
import { Command } from "commander";
import { deployComposeCommand } from "./deploy-compose.js";
import { deployK8sCommand } from "./deploy-k8s.js";
import { deployValidateCommand } from "./deploy-validate.js";

export function deployCommand(): Command {
  const deploy = new Command("deploy").description("serve a Triton repository on Kubernetes (or compose on one box) with the engines it was built with");
  for (const sub of [deployK8sCommand(), deployComposeCommand(), deployValidateCommand()]) deploy.addCommand(sub);
  return deploy;
}

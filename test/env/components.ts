/**
 * Every component of the test environment, in start order (a component comes after what it
 * depends on).
 */
import { buildah } from "./buildah.ts";
import type { Component } from "./component.ts";
import { dockerEngine } from "./docker-engine.ts";
import { etcd } from "./etcd.ts";
import { gitHttpServer } from "./git-http-server.ts";
import { gitSshServer } from "./git-ssh-server.ts";
import { kubeApiserver, kubeControllerManager, kubeScheduler } from "./kube-control-plane.ts";
import { kwokNodes } from "./kwok-nodes.ts";
import { motoEcr } from "./moto-ecr.ts";
import { registry, registryWithAuth } from "./oci-registry.ts";

/** The components, in start order. */
export const components: readonly Component[] = [etcd, kubeApiserver, kubeControllerManager, kubeScheduler, kwokNodes, gitHttpServer, gitSshServer, registry, registryWithAuth, motoEcr, dockerEngine, buildah];

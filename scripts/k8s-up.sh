#!/usr/bin/env bash
# Starts a throw-away Kubernetes control plane on 127.0.0.1 with all its state in <dir>:
#   etcd, kube-apiserver (client-cert auth, RBAC), kube-controller-manager,
#   kube-scheduler and kwok (fake Ready nodes; pods on them go Running/Ready; exec runs
#   the command locally in <dir>/exec).
# Binaries come from scripts/provision-k8s.sh. Ports are picked at random (free ones),
# so several clusters can run side by side.
#
# Usage: scripts/k8s-up.sh <dir>
#   Writes <dir>/kubeconfig (cluster admin, self-contained) and <dir>/pids/*.pid,
#   logs to <dir>/logs/*.log; waits for /readyz, the default ServiceAccount and the fake
#   nodes being Ready; prints the kubeconfig path on stdout (progress goes to stderr).
# Env: K8S_FAKE_NODES (default 2), K8S_UP_TIMEOUT seconds (default 120).
# Stop with scripts/k8s-down.sh <dir>.
set -euo pipefail

DIR="${1:?usage: k8s-up.sh <dir>}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/k8s"
BIN="${K8S_BIN_DIR:-$CACHE/bin}"
STAGES="$CACHE/share/kwok-stages.yaml"
NODES="${K8S_FAKE_NODES:-2}"
TIMEOUT="${K8S_UP_TIMEOUT:-120}"
T0=$(date +%s%N)

say() { echo "k8s-up: $*" >&2; }
elapsed() { echo "$((($(date +%s%N) - T0) / 1000000))ms"; }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl; do
  if [[ ! -x "$BIN/$b" ]]; then
    say "missing $BIN/$b: run scripts/provision-k8s.sh first"
    exit 2
  fi
done
[[ -f "$STAGES" ]] || {
  say "missing $STAGES: run scripts/provision-k8s.sh first"
  exit 2
}
command -v openssl >/dev/null || {
  say "openssl is required"
  exit 2
}

mkdir -p "$DIR/pki" "$DIR/pids" "$DIR/logs" "$DIR/etcd" "$DIR/exec" "$DIR/pod-logs"
: >"$DIR/pod-logs/probe.log"
chmod 700 "$DIR/pki" "$DIR/etcd"

# On any failure: stop what was started, show the tail of the logs.
fail() {
  say "FAILED: $*"
  for f in "$DIR"/logs/*.log; do
    [[ -s "$f" ]] || continue
    echo "----- $f (last 15 lines)" >&2
    tail -n 15 "$f" >&2
  done
  "$SCRIPTS/k8s-down.sh" "$DIR" >&2 || true
  exit 1
}
trap 'fail "error on line $LINENO"' ERR

# ---- free ports on 127.0.0.1 -------------------------------------------------
# Ports are chosen first and bound later, so pick them below the kernel's ephemeral range:
# there, no outgoing connection (the components talk to each other) can take one meanwhile.
used_ports=" "
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
(( ephemeral_low > 12000 )) || ephemeral_low=32768
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % (ephemeral_low - 10000)))
    [[ "$used_ports" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      used_ports+="$p "
      echo "$p"
      return 0
    fi
  done
  return 1
}
ETCD_PORT=$(free_port)
ETCD_PEER_PORT=$(free_port)
API_PORT=$(free_port)
KCM_PORT=$(free_port)
SCHED_PORT=$(free_port)
KWOK_PORT=$(free_port)
cat >"$DIR/ports.env" <<EOF
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
API_PORT=$API_PORT
KCM_PORT=$KCM_PORT
SCHED_PORT=$SCHED_PORT
KWOK_PORT=$KWOK_PORT
EOF

# ---- PKI ------------------------------------------------------------------
PKI="$DIR/pki"
(
  cd "$PKI"
  exec 2>>"$DIR/logs/pki.log"
  openssl ecparam -name prime256v1 -genkey -noout -out ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=migrate-identity-test-ca" -out ca.crt
  # serving cert: apiserver, and kwok's fake kubelet endpoint
  openssl ecparam -name prime256v1 -genkey -noout -out serving.key
  openssl req -new -key serving.key -subj "/CN=kube-apiserver" -out serving.csr
  printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    "extendedKeyUsage=serverAuth,clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment" >serving.ext
  openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile serving.ext -out serving.crt
  # cluster-admin client cert (also used by the controllers, scheduler and kwok)
  openssl ecparam -name prime256v1 -genkey -noout -out admin.key
  openssl req -new -key admin.key -subj "/O=system:masters/CN=kubernetes-admin" -out admin.csr
  printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment" >admin.ext
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile admin.ext -out admin.crt
  # service-account token signing key
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
  openssl pkey -in sa.key -pubout -out sa.pub
)

b64() { base64 -w0 <"$1"; }
cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")
contexts:
- name: local
  context:
    cluster: local
    user: admin
    namespace: default
current-context: local
EOF
chmod 600 "$DIR/kubeconfig"
KC="$DIR/kubeconfig"

start() { # start <name> <binary> args...
  local name="$1" bin="$2"
  shift 2
  # setsid: own process group, so k8s-down.sh can stop each component cleanly
  setsid "$BIN/$bin" "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$name.pid"
}
alive() { kill -0 "$(cat "$DIR/pids/$1.pid")" 2>/dev/null; }

wait_for() { # wait_for <what> <component-to-watch> <command...>
  local what="$1" comp="$2" deadline=$(($(date +%s) + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    alive "$comp" || fail "$comp exited while waiting for $what"
    (($(date +%s) < deadline)) || fail "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.2
  done
  say "$what ok ($(elapsed))"
}

# ---- etcd -------------------------------------------------------------------
start etcd etcd \
  --name=default \
  --data-dir="$DIR/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="default=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync=true \
  --quota-backend-bytes=$((1024 * 1024 * 1024)) \
  --log-level=warn
wait_for "etcd /health" etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# ---- kube-apiserver -----------------------------------------------------------
start kube-apiserver kube-apiserver \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$API_PORT" \
  --endpoint-reconciler-type=none \
  --tls-cert-file="$PKI/serving.crt" \
  --tls-private-key-file="$PKI/serving.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range=10.96.0.0/16 \
  --authorization-mode=RBAC \
  --allow-privileged=true \
  --enable-priority-and-fairness=false \
  --kubelet-preferred-address-types=InternalIP \
  --kubelet-client-certificate="$PKI/admin.crt" \
  --kubelet-client-key="$PKI/admin.key" \
  --requestheader-client-ca-file="$PKI/ca.crt" \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/admin.crt" \
  --proxy-client-key-file="$PKI/admin.key" \
  --profiling=false \
  --v=1
CURL_API=(curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key")
wait_for "kube-apiserver /readyz" kube-apiserver "${CURL_API[@]}" "https://127.0.0.1:$API_PORT/readyz"

# ---- controllers and scheduler ----------------------------------------------------
start kube-controller-manager kube-controller-manager \
  --kubeconfig="$KC" \
  --authentication-kubeconfig="$KC" \
  --authorization-kubeconfig="$KC" \
  --bind-address=127.0.0.1 \
  --secure-port="$KCM_PORT" \
  --leader-elect=false \
  --use-service-account-credentials=false \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" \
  --cluster-signing-key-file="$PKI/ca.key" \
  --kube-api-qps=1000 \
  --kube-api-burst=1000 \
  --profiling=false \
  --v=1
start kube-scheduler kube-scheduler \
  --kubeconfig="$KC" \
  --authentication-kubeconfig="$KC" \
  --authorization-kubeconfig="$KC" \
  --bind-address=127.0.0.1 \
  --secure-port="$SCHED_PORT" \
  --leader-elect=false \
  --kube-api-qps=1000 \
  --kube-api-burst=1000 \
  --profiling=false \
  --v=1

# ---- kwok ---------------------------------------------------------------------
cat "$STAGES" >"$DIR/kwok.yaml"
cat >>"$DIR/kwok.yaml" <<EOF
---
# kubectl exec into any pod on a fake node runs the command on this machine, in:
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: local-exec
spec:
  execs:
  - local:
      workDir: $DIR/exec
---
# No kubelet runs the verification pod's probe: as a kubelet would once the probe exits 0,
# this stage finishes the pods migrate-identity labels as verification pods...
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: verification-pod-complete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchLabels:
      migrate-identity.io/verification-pod: 'true'
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
  next:
    statusTemplate: |
      {{ \$now := Now }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ \$now | Quote }}
            reason: Completed
            startedAt: {{ \$now | Quote }}
      {{ end }}
      phase: Succeeded
---
# ...and kubectl logs of their probe container reads this file (CRI log format), which tests write.
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: verification-pod-logs
spec:
  logs:
  - containers: [probe]
    logsFile: $DIR/pod-logs/probe.log
EOF
start kwok kwok \
  --config="$DIR/kwok.yaml" \
  --kubeconfig="$KC" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-ip=127.0.0.1 \
  --node-port="$KWOK_PORT" \
  --server-address="127.0.0.1:$KWOK_PORT" \
  --tls-cert-file="$PKI/serving.crt" \
  --tls-private-key-file="$PKI/serving.key" \
  --node-lease-duration-seconds=40 \
  --cidr=10.244.0.0/16

K=("$BIN/kubectl" --kubeconfig="$KC")
wait_for "default ServiceAccount" kube-controller-manager "${K[@]}" get serviceaccount default -n default

# ---- fake nodes -------------------------------------------------------------------
nodes_yaml=""
for i in $(seq 0 $((NODES - 1))); do
  nodes_yaml+="---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: \"0\"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: \"\"
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: local-a
status:
  allocatable: {cpu: \"32\", memory: 256Gi, pods: \"110\"}
  capacity: {cpu: \"32\", memory: 256Gi, pods: \"110\"}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
"
done
if ((NODES > 0)); then
  echo "$nodes_yaml" | "${K[@]}" apply -f - >"$DIR/logs/nodes.log" 2>&1
  wait_for "$NODES fake node(s) Ready" kwok "${K[@]}" wait --for=condition=Ready node --all --timeout=2s
fi

trap - ERR
say "control plane up in $(elapsed): https://127.0.0.1:$API_PORT"
echo "$DIR/kubeconfig"

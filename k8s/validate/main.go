// finchat-k8s-validate checks finchat's deployment files offline: every kustomize
// overlay under k8s/overlays (built with the kustomize library, then each object
// decoded strictly into its Kubernetes API type, so a misspelt or misplaced field is an
// error) against the rules of SPEC §12, deploy/compose.yaml (loaded with the
// compose-spec library: schema, interpolation, required secrets) and deploy/Dockerfile.
// It prints TAP lines (`ok N - ...` / `not ok N - ...`) and exits 1 on any failure.
//
// Usage: finchat-k8s-validate [-root DIR] [-external finchat-secrets,finchat-tls]
// Built and run by tests/integration/05-k8s.sh.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// The contract of SPEC §6 and §12.
var specTopics = map[string]int32{
	"finchat.chat.requests": 6,
	"finchat.chat.chunks":   8,
	"finchat.chat.control":  3,
	"finchat.chat.dlq":      1,
}

const (
	workerGroup   = "finchat-workers"
	requestsTopic = "finchat.chat.requests"
	gatewayName   = "finchat-gateway"
	workerName    = "finchat-worker"
)

// ---- TAP ------------------------------------------------------------------------

var nTests, nFailed int

// report prints one TAP line for @name; @problems empty means it passed.
func report(name string, problems []string) {
	nTests++
	if len(problems) == 0 {
		fmt.Printf("ok %d - %s\n", nTests, name)
		return
	}
	nFailed++
	fmt.Printf("not ok %d - %s\n", nTests, name)
	for _, p := range problems {
		fmt.Printf("#   %s\n", p)
	}
}

// ---- custom resources (the fields finchat uses, and their neighbours) ----------

type ScaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ScaleTargetRef struct {
			APIVersion             string `json:"apiVersion,omitempty"`
			Kind                   string `json:"kind,omitempty"`
			Name                   string `json:"name"`
			EnvSourceContainerName string `json:"envSourceContainerName,omitempty"`
		} `json:"scaleTargetRef"`
		PollingInterval       *int32 `json:"pollingInterval,omitempty"`
		InitialCooldownPeriod *int32 `json:"initialCooldownPeriod,omitempty"`
		CooldownPeriod        *int32 `json:"cooldownPeriod,omitempty"`
		IdleReplicaCount      *int32 `json:"idleReplicaCount,omitempty"`
		MinReplicaCount       *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount       *int32 `json:"maxReplicaCount,omitempty"`
		Fallback              *struct {
			FailureThreshold int32  `json:"failureThreshold"`
			Replicas         int32  `json:"replicas"`
			Behavior         string `json:"behavior,omitempty"`
		} `json:"fallback,omitempty"`
		Advanced *struct {
			RestoreToOriginalReplicaCount bool `json:"restoreToOriginalReplicaCount,omitempty"`
			HorizontalPodAutoscalerConfig *struct {
				Name     string                                         `json:"name,omitempty"`
				Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
			} `json:"horizontalPodAutoscalerConfig,omitempty"`
			ScalingModifiers *struct {
				Formula          string `json:"formula,omitempty"`
				Target           string `json:"target,omitempty"`
				ActivationTarget string `json:"activationTarget,omitempty"`
				MetricType       string `json:"metricType,omitempty"`
			} `json:"scalingModifiers,omitempty"`
		} `json:"advanced,omitempty"`
		Triggers []struct {
			Type             string `json:"type"`
			Name             string `json:"name,omitempty"`
			UseCachedMetrics bool   `json:"useCachedMetrics,omitempty"`
			MetricType       string `json:"metricType,omitempty"`
			// KEDA requires every metadata value to be a string.
			Metadata          map[string]string `json:"metadata"`
			AuthenticationRef *struct {
				Name string `json:"name"`
				Kind string `json:"kind,omitempty"`
			} `json:"authenticationRef,omitempty"`
		} `json:"triggers"`
	} `json:"spec"`
}

type KafkaTopic struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		TopicName  string         `json:"topicName,omitempty"`
		Partitions *int32         `json:"partitions,omitempty"`
		Replicas   *int32         `json:"replicas,omitempty"`
		Config     map[string]any `json:"config,omitempty"`
	} `json:"spec"`
}

// ---- decoding -------------------------------------------------------------------

// object is one decoded manifest.
type object struct {
	kind, name, namespace string
	v                     any
}

func newTyped(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "v1/Namespace":
		return &corev1.Namespace{}
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}
	case "v1/Secret":
		return &corev1.Secret{}
	case "v1/Service":
		return &corev1.Service{}
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "networking.k8s.io/v1/Ingress":
		return &networkingv1.Ingress{}
	case "keda.sh/v1alpha1/ScaledObject":
		return &ScaledObject{}
	case "kafka.strimzi.io/v1beta2/KafkaTopic":
		return &KafkaTopic{}
	}
	return nil
}

// decodeStrict decodes one YAML object into @v as the API server would read it: unknown
// fields are errors, and so is a number where a string belongs (sigs.k8s.io/yaml's own
// Unmarshal would quietly convert it).
func decodeStrict(data []byte, v any) error {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// build runs kustomize on @dir and decodes every object strictly.
func build(dir string) ([]object, []string, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, nil, err
	}
	var objs []object
	var problems []string
	for _, r := range rm.Resources() {
		data, err := r.AsYAML()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", r.CurId(), err))
			continue
		}
		v := newTyped(r.GetApiVersion(), r.GetKind())
		if v == nil {
			problems = append(problems, fmt.Sprintf("%s %s/%s: no schema known for this kind; add one to k8s/validate",
				r.GetApiVersion(), r.GetKind(), r.GetName()))
			continue
		}
		if err := decodeStrict(data, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s/%s: %v", r.GetKind(), r.GetName(), err))
			continue
		}
		objs = append(objs, object{kind: r.GetKind(), name: r.GetName(), namespace: r.GetNamespace(), v: v})
	}
	return objs, problems, nil
}

func byKind[T any](objs []object) []T {
	var out []T
	for _, o := range objs {
		if t, ok := o.v.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

func deployment(objs []object, name string) *appsv1.Deployment {
	for _, d := range byKind[*appsv1.Deployment](objs) {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// ---- checks on one overlay ----------------------------------------------------------

type overlay struct {
	name     string
	objs     []object
	external map[string]bool
}

func (o *overlay) check(name string, f func() []string) {
	report(o.name+": "+name, f())
}

func (o *overlay) checkNamespace() []string {
	var p []string
	nss := byKind[*corev1.Namespace](o.objs)
	if len(nss) != 1 {
		return []string{fmt.Sprintf("expected one Namespace, found %d", len(nss))}
	}
	ns := nss[0]
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		p = append(p, "Namespace "+ns.Name+" does not enforce the `restricted` Pod Security Standard")
	}
	for _, x := range o.objs {
		if x.kind != "Namespace" && x.namespace != ns.Name {
			p = append(p, fmt.Sprintf("%s/%s is in namespace %q, not %q", x.kind, x.name, x.namespace, ns.Name))
		}
	}
	return p
}

func (o *overlay) checkSecurity() []string {
	var p []string
	deps := byKind[*appsv1.Deployment](o.objs)
	if len(deps) == 0 {
		return []string{"no Deployment"}
	}
	for _, d := range deps {
		ps := d.Spec.Template.Spec
		where := "Deployment/" + d.Name
		sc := ps.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			p = append(p, where+": pod securityContext.runAsNonRoot is not true")
		}
		if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
			p = append(p, where+": pod securityContext.runAsUser is not a non-zero uid")
		}
		if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			p = append(p, where+": seccompProfile is not RuntimeDefault")
		}
		if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
			p = append(p, where+": automountServiceAccountToken is not false")
		}
		if ps.HostNetwork || ps.HostPID || ps.HostIPC {
			p = append(p, where+": uses a host namespace")
		}
		for _, c := range append(append([]corev1.Container{}, ps.InitContainers...), ps.Containers...) {
			cw := where + " container " + c.Name
			csc := c.SecurityContext
			if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
				p = append(p, cw+": readOnlyRootFilesystem is not true")
			}
			if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
				p = append(p, cw+": allowPrivilegeEscalation is not false")
			}
			if csc == nil || csc.Capabilities == nil || !containsCap(csc.Capabilities.Drop, "ALL") {
				p = append(p, cw+": capabilities do not drop ALL")
			}
			if csc != nil && csc.Capabilities != nil && len(csc.Capabilities.Add) > 0 {
				p = append(p, cw+": adds capabilities")
			}
			if csc != nil && csc.Privileged != nil && *csc.Privileged {
				p = append(p, cw+": privileged")
			}
			if !mountsTmp(c) {
				p = append(p, cw+": no writable /tmp (emptyDir) for a read-only root filesystem")
			}
		}
	}
	return p
}

func containsCap(caps []corev1.Capability, want corev1.Capability) bool {
	for _, c := range caps {
		if c == want {
			return true
		}
	}
	return false
}

func mountsTmp(c corev1.Container) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/tmp" && !m.ReadOnly {
			return true
		}
	}
	return false
}

var pinnedImage = regexp.MustCompile(`^[a-z0-9./_-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$`)

func (o *overlay) checkResources() []string {
	var p []string
	for _, d := range byKind[*appsv1.Deployment](o.objs) {
		for _, c := range d.Spec.Template.Spec.Containers {
			cw := "Deployment/" + d.Name + " container " + c.Name
			if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
				p = append(p, cw+": no CPU request")
			}
			if _, ok := c.Resources.Requests[corev1.ResourceMemory]; !ok {
				p = append(p, cw+": no memory request")
			}
			lim, ok := c.Resources.Limits[corev1.ResourceMemory]
			if !ok {
				p = append(p, cw+": no memory limit")
			} else if req, ok := c.Resources.Requests[corev1.ResourceMemory]; ok && lim.Cmp(req) < 0 {
				p = append(p, cw+": memory limit below its request")
			}
			if !pinnedImage.MatchString(c.Image) || strings.HasSuffix(c.Image, ":latest") {
				p = append(p, fmt.Sprintf("%s: image %q has no pinned tag", cw, c.Image))
			}
		}
		if d.Spec.Replicas != nil {
			p = append(p, "Deployment/"+d.Name+": sets spec.replicas, which fights its autoscaler")
		}
	}
	return p
}

func httpProbe(pr *corev1.Probe) (string, string) {
	if pr == nil || pr.HTTPGet == nil {
		return "", ""
	}
	return pr.HTTPGet.Path, pr.HTTPGet.Port.String()
}

func (o *overlay) checkGatewayProbes() []string {
	d := deployment(o.objs, gatewayName)
	if d == nil {
		return []string{"no Deployment " + gatewayName}
	}
	var p []string
	for _, c := range d.Spec.Template.Spec.Containers {
		ports := map[string]bool{}
		for _, cp := range c.Ports {
			ports[cp.Name] = true
			ports[strconv.Itoa(int(cp.ContainerPort))] = true
		}
		for _, pr := range []struct {
			what, want string
			probe      *corev1.Probe
		}{
			{"livenessProbe", "/healthz", c.LivenessProbe},
			{"readinessProbe", "/readyz", c.ReadinessProbe},
			{"startupProbe", "/healthz", c.StartupProbe},
		} {
			path, port := httpProbe(pr.probe)
			switch {
			case path == "":
				p = append(p, fmt.Sprintf("container %s: no HTTP %s", c.Name, pr.what))
			case path != pr.want:
				p = append(p, fmt.Sprintf("container %s: %s on %s, expected %s", c.Name, pr.what, path, pr.want))
			case !ports[port]:
				p = append(p, fmt.Sprintf("container %s: %s port %s is not a container port", c.Name, pr.what, port))
			}
		}
		if !ports["http"] || !ports["8080"] {
			p = append(p, "container "+c.Name+": no port named http on 8080 (FINCHAT_HTTP_ADDR)")
		}
	}
	return p
}

func podLabels(d *appsv1.Deployment) labels.Set { return labels.Set(d.Spec.Template.Labels) }

func (o *overlay) checkService() []string {
	var p []string
	svcs := byKind[*corev1.Service](o.objs)
	found := false
	for _, s := range svcs {
		if s.Name != gatewayName {
			continue
		}
		found = true
		d := deployment(o.objs, gatewayName)
		if d == nil {
			return []string{"no Deployment " + gatewayName}
		}
		if len(s.Spec.Selector) == 0 || !labels.SelectorFromSet(s.Spec.Selector).Matches(podLabels(d)) {
			p = append(p, "Service selector does not match the gateway pods")
		}
		if w := deployment(o.objs, workerName); w != nil && labels.SelectorFromSet(s.Spec.Selector).Matches(podLabels(w)) {
			p = append(p, "Service selector also matches the worker pods")
		}
		names := map[string]bool{}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, cp := range c.Ports {
				names[cp.Name] = true
				names[strconv.Itoa(int(cp.ContainerPort))] = true
			}
		}
		for _, sp := range s.Spec.Ports {
			if !names[sp.TargetPort.String()] {
				p = append(p, fmt.Sprintf("Service port %s: targetPort %s is not a gateway container port", sp.Name, sp.TargetPort.String()))
			}
		}
	}
	if !found {
		p = append(p, "no Service "+gatewayName)
	}
	return p
}

func minAvailable(pdb *policyv1.PodDisruptionBudget, replicas int32) (int32, bool) {
	if pdb.Spec.MinAvailable != nil {
		if pdb.Spec.MinAvailable.Type == 0 {
			return pdb.Spec.MinAvailable.IntVal, true
		}
		return 0, false
	}
	if pdb.Spec.MaxUnavailable != nil && pdb.Spec.MaxUnavailable.Type == 0 {
		return replicas - pdb.Spec.MaxUnavailable.IntVal, true
	}
	return 0, false
}

func (o *overlay) checkHPA() []string {
	var p []string
	hpas := byKind[*autoscalingv2.HorizontalPodAutoscaler](o.objs)
	var gw *autoscalingv2.HorizontalPodAutoscaler
	for _, h := range hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || deployment(o.objs, ref.Name) == nil {
			p = append(p, fmt.Sprintf("HPA %s targets %s %s/%s, which is not a Deployment here", h.Name, ref.APIVersion, ref.Kind, ref.Name))
		}
		if ref.Name == gatewayName {
			gw = h
		}
		min := int32(1)
		if h.Spec.MinReplicas != nil {
			min = *h.Spec.MinReplicas
		}
		if min < 1 || min > h.Spec.MaxReplicas {
			p = append(p, fmt.Sprintf("HPA %s: minReplicas %d / maxReplicas %d", h.Name, min, h.Spec.MaxReplicas))
		}
		if len(h.Spec.Metrics) == 0 {
			p = append(p, "HPA "+h.Name+": no metrics")
		}
	}
	if gw == nil {
		return append(p, "no HPA for "+gatewayName)
	}
	min := *gw.Spec.MinReplicas
	for _, pdb := range byKind[*policyv1.PodDisruptionBudget](o.objs) {
		if pdb.Name != gatewayName {
			continue
		}
		if ma, ok := minAvailable(pdb, min); ok && ma >= min {
			p = append(p, fmt.Sprintf("PDB %s keeps %d pods of at least %d: no voluntary eviction possible", pdb.Name, ma, min))
		}
	}
	return p
}

func (o *overlay) checkPDB() []string {
	var p []string
	covered := map[string]bool{}
	for _, pdb := range byKind[*policyv1.PodDisruptionBudget](o.objs) {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil {
			p = append(p, "PDB "+pdb.Name+": "+err.Error())
			continue
		}
		if (pdb.Spec.MinAvailable == nil) == (pdb.Spec.MaxUnavailable == nil) {
			p = append(p, "PDB "+pdb.Name+": set exactly one of minAvailable and maxUnavailable")
		}
		n := 0
		for _, d := range byKind[*appsv1.Deployment](o.objs) {
			if sel.Matches(podLabels(d)) {
				covered[d.Name] = true
				n++
			}
		}
		if n != 1 {
			p = append(p, fmt.Sprintf("PDB %s selects %d Deployments' pods, expected 1", pdb.Name, n))
		}
	}
	for _, d := range byKind[*appsv1.Deployment](o.objs) {
		if !covered[d.Name] {
			p = append(p, "Deployment "+d.Name+" has no PodDisruptionBudget")
		}
	}
	return p
}

func (o *overlay) configValue(key string) string {
	for _, cm := range byKind[*corev1.ConfigMap](o.objs) {
		if strings.HasPrefix(cm.Name, "finchat-config") {
			return cm.Data[key]
		}
	}
	return ""
}

func (o *overlay) topicPartitions(topic string) int32 {
	for _, t := range byKind[*KafkaTopic](o.objs) {
		name := t.Spec.TopicName
		if name == "" {
			name = t.Name
		}
		if name == topic && t.Spec.Partitions != nil {
			return *t.Spec.Partitions
		}
	}
	return 0
}

func (o *overlay) checkKEDA() []string {
	var p []string
	sos := byKind[*ScaledObject](o.objs)
	var so *ScaledObject
	for _, s := range sos {
		if s.Spec.ScaleTargetRef.Name == workerName {
			so = s
		}
	}
	if so == nil {
		return []string{"no ScaledObject for Deployment " + workerName}
	}
	if deployment(o.objs, workerName) == nil {
		p = append(p, "no Deployment "+workerName)
	}
	if k := so.Spec.ScaleTargetRef.Kind; k != "" && k != "Deployment" {
		p = append(p, "scaleTargetRef.kind is "+k)
	}
	for _, h := range byKind[*autoscalingv2.HorizontalPodAutoscaler](o.objs) {
		if h.Spec.ScaleTargetRef.Name == workerName {
			p = append(p, "HPA "+h.Name+" also scales the workers; KEDA owns their HPA")
		}
	}
	min, max := int32(0), int32(100)
	if so.Spec.MinReplicaCount != nil {
		min = *so.Spec.MinReplicaCount
	}
	if so.Spec.MaxReplicaCount != nil {
		max = *so.Spec.MaxReplicaCount
	}
	if min < 1 {
		p = append(p, "minReplicaCount < 1: no worker would be running to answer the first request")
	}
	if min > max {
		p = append(p, fmt.Sprintf("minReplicaCount %d > maxReplicaCount %d", min, max))
	}
	if parts := o.topicPartitions(requestsTopic); parts > 0 && max > parts {
		p = append(p, fmt.Sprintf("maxReplicaCount %d > %d partitions of %s: extra workers would idle", max, parts, requestsTopic))
	}
	kafka := 0
	for _, t := range so.Spec.Triggers {
		if t.Type != "kafka" {
			continue
		}
		kafka++
		m := t.Metadata
		if m["consumerGroup"] != workerGroup {
			p = append(p, fmt.Sprintf("kafka trigger consumerGroup %q, expected %q", m["consumerGroup"], workerGroup))
		}
		if m["topic"] != requestsTopic {
			p = append(p, fmt.Sprintf("kafka trigger topic %q, expected %q", m["topic"], requestsTopic))
		}
		if b := o.configValue("FINCHAT_KAFKA_BROKERS"); m["bootstrapServers"] != b {
			p = append(p, fmt.Sprintf("kafka trigger bootstrapServers %q differ from FINCHAT_KAFKA_BROKERS %q", m["bootstrapServers"], b))
		}
		if n, err := strconv.Atoi(m["lagThreshold"]); err != nil || n < 1 {
			p = append(p, fmt.Sprintf("kafka trigger lagThreshold %q is not a positive integer", m["lagThreshold"]))
		}
	}
	if kafka != 1 {
		p = append(p, fmt.Sprintf("%d kafka triggers, expected 1", kafka))
	}
	return p
}

func (o *overlay) checkTopics() []string {
	var p []string
	seen := map[string]bool{}
	for _, t := range byKind[*KafkaTopic](o.objs) {
		name := t.Spec.TopicName
		if name == "" {
			name = t.Name
		}
		seen[name] = true
		want, ok := specTopics[name]
		if !ok {
			p = append(p, "KafkaTopic "+t.Name+": topic "+name+" is not in SPEC §6")
			continue
		}
		if t.Labels["strimzi.io/cluster"] == "" {
			p = append(p, "KafkaTopic "+t.Name+": no strimzi.io/cluster label")
		}
		if t.Spec.Partitions == nil || *t.Spec.Partitions < want {
			p = append(p, fmt.Sprintf("KafkaTopic %s: fewer than %d partitions", t.Name, want))
		}
		if t.Spec.Replicas == nil || *t.Spec.Replicas < 1 {
			p = append(p, "KafkaTopic "+t.Name+": replicas not set")
		} else if isr, ok := t.Spec.Config["min.insync.replicas"]; ok {
			n, _ := strconv.Atoi(fmt.Sprint(isr))
			if int32(n) > *t.Spec.Replicas {
				p = append(p, fmt.Sprintf("KafkaTopic %s: min.insync.replicas %d > replicas %d: no write could succeed", t.Name, n, *t.Spec.Replicas))
			}
		}
	}
	for name := range specTopics {
		if !seen[name] {
			p = append(p, "no KafkaTopic for "+name)
		}
	}
	sort.Strings(p)
	return p
}

func (o *overlay) checkRefs() []string {
	var p []string
	cms, secrets := map[string]bool{}, map[string]map[string]bool{}
	for _, cm := range byKind[*corev1.ConfigMap](o.objs) {
		cms[cm.Name] = true
	}
	for _, s := range byKind[*corev1.Secret](o.objs) {
		keys := map[string]bool{}
		for k := range s.Data {
			keys[k] = true
		}
		for k := range s.StringData {
			keys[k] = true
		}
		secrets[s.Name] = keys
	}
	secretKey := func(where, name, key string, optional bool) {
		keys, ok := secrets[name]
		switch {
		case !ok && o.external[name]:
		case !ok:
			p = append(p, fmt.Sprintf("%s: Secret %q is neither in the overlay nor declared external", where, name))
		case key != "" && !keys[key] && !optional:
			p = append(p, fmt.Sprintf("%s: Secret %q has no key %q", where, name, key))
		}
	}
	for _, d := range byKind[*appsv1.Deployment](o.objs) {
		ps := d.Spec.Template.Spec
		where := "Deployment/" + d.Name
		if ps.ServiceAccountName != "" {
			found := false
			for _, sa := range byKind[*corev1.ServiceAccount](o.objs) {
				found = found || sa.Name == ps.ServiceAccountName
			}
			if !found {
				p = append(p, where+": ServiceAccount "+ps.ServiceAccountName+" missing")
			}
		}
		for _, c := range ps.Containers {
			for _, ef := range c.EnvFrom {
				if ef.ConfigMapRef != nil && !cms[ef.ConfigMapRef.Name] {
					p = append(p, where+": ConfigMap "+ef.ConfigMapRef.Name+" missing")
				}
				if ef.SecretRef != nil {
					secretKey(where, ef.SecretRef.Name, "", false)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil {
					secretKey(where+" env "+e.Name, r.Name, r.Key, r.Optional != nil && *r.Optional)
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil && !cms[r.Name] {
					p = append(p, where+" env "+e.Name+": ConfigMap "+r.Name+" missing")
				}
			}
		}
		for _, v := range ps.Volumes {
			if v.Secret != nil {
				secretKey(where+" volume "+v.Name, v.Secret.SecretName, "", false)
			}
			if v.ConfigMap != nil && !cms[v.ConfigMap.Name] {
				p = append(p, where+" volume "+v.Name+": ConfigMap "+v.ConfigMap.Name+" missing")
			}
		}
	}
	for _, ing := range byKind[*networkingv1.Ingress](o.objs) {
		for _, t := range ing.Spec.TLS {
			secretKey("Ingress/"+ing.Name, t.SecretName, "", false)
		}
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, path := range r.HTTP.Paths {
				if s := path.Backend.Service; s != nil && s.Name != gatewayName {
					p = append(p, "Ingress/"+ing.Name+": backend "+s.Name+" is not the gateway Service")
				}
			}
		}
	}
	return p
}

// selects reports whether the NetworkPolicy applies to pods with @l.
func selects(np *networkingv1.NetworkPolicy, l labels.Set) bool {
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	return err == nil && sel.Matches(l)
}

func hasType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	for _, x := range np.Spec.PolicyTypes {
		if x == t {
			return true
		}
	}
	return false
}

func allowsEgressPort(nps []*networkingv1.NetworkPolicy, l labels.Set, port int32) bool {
	for _, np := range nps {
		if !selects(np, l) || !hasType(np, networkingv1.PolicyTypeEgress) {
			continue
		}
		for _, rule := range np.Spec.Egress {
			for _, pp := range rule.Ports {
				if pp.Port != nil && pp.Port.IntValue() == int(port) {
					return true
				}
			}
		}
	}
	return false
}

func (o *overlay) checkNetworkPolicies() []string {
	var p []string
	nps := byKind[*networkingv1.NetworkPolicy](o.objs)
	for _, d := range byKind[*appsv1.Deployment](o.objs) {
		l := podLabels(d)
		deny := false
		for _, np := range nps {
			if selects(np, l) && hasType(np, networkingv1.PolicyTypeIngress) && hasType(np, networkingv1.PolicyTypeEgress) &&
				len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 {
				deny = true
			}
		}
		if !deny {
			p = append(p, "Deployment "+d.Name+": no default-deny NetworkPolicy selects its pods")
		}
		if !allowsEgressPort(nps, l, 53) {
			p = append(p, "Deployment "+d.Name+": DNS egress (53) not allowed")
		}
		if !allowsEgressPort(nps, l, 9092) {
			p = append(p, "Deployment "+d.Name+": Kafka egress (9092) not allowed")
		}
		if !allowsEgressPort(nps, l, 27017) {
			p = append(p, "Deployment "+d.Name+": MongoDB egress (27017) not allowed")
		}
	}
	if d := deployment(o.objs, gatewayName); d != nil {
		ok := false
		for _, np := range nps {
			if !selects(np, podLabels(d)) {
				continue
			}
			for _, rule := range np.Spec.Ingress {
				for _, pp := range rule.Ports {
					if pp.Port != nil && pp.Port.IntValue() == 8080 {
						ok = true
					}
				}
			}
		}
		if !ok {
			p = append(p, "the gateway accepts no ingress on 8080")
		}
		if !allowsEgressPort(nps, podLabels(d), 5432) {
			p = append(p, "gateway: PostgreSQL egress (5432) not allowed")
		}
	}
	if w := deployment(o.objs, workerName); w != nil {
		// The workers serve only their probe/metrics endpoint (9090); nothing else may reach them.
		for _, np := range nps {
			if !selects(np, podLabels(w)) {
				continue
			}
			for _, rule := range np.Spec.Ingress {
				if len(rule.Ports) == 0 {
					p = append(p, "NetworkPolicy "+np.Name+" opens every port of the workers")
				}
				for _, pp := range rule.Ports {
					if pp.Port == nil || pp.Port.IntValue() != 9090 {
						p = append(p, "NetworkPolicy "+np.Name+" opens a worker port other than 9090")
					}
				}
			}
		}
		if !allowsEgressPort(nps, podLabels(w), 443) {
			p = append(p, "worker: HTTPS egress (443) to LLM providers not allowed")
		}
	}
	return p
}

func validateOverlay(dir, name string, external map[string]bool) {
	objs, problems, err := build(dir)
	if err != nil {
		report(name+": kustomize build", []string{err.Error()})
		return
	}
	report(name+": kustomize build", nil)
	report(fmt.Sprintf("%s: all %d objects decode strictly into their API types", name, len(objs)+len(problems)), problems)
	o := &overlay{name: name, objs: objs, external: external}
	o.check("one Namespace enforcing the restricted Pod Security Standard; everything in it", o.checkNamespace)
	o.check("pods: non-root, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp, no API token", o.checkSecurity)
	o.check("containers: CPU and memory requests, memory limits, pinned images; replicas left to the autoscalers", o.checkResources)
	o.check("gateway probes: startup and liveness on /healthz, readiness on /readyz, port http 8080", o.checkGatewayProbes)
	o.check("Service finchat-gateway selects the gateway pods and a real port", o.checkService)
	o.check("HPA scales the gateway Deployment, leaving room for its PDB", o.checkHPA)
	o.check("every Deployment has one PodDisruptionBudget", o.checkPDB)
	o.check("KEDA ScaledObject scales the workers on lag of "+workerGroup+" on "+requestsTopic, o.checkKEDA)
	o.check("Strimzi KafkaTopics: the four SPEC §6 topics with at least their partitions", o.checkTopics)
	o.check("ConfigMap, Secret and ServiceAccount references resolve", o.checkRefs)
	o.check("NetworkPolicies: default deny, DNS/Kafka/MongoDB egress, gateway ingress on 8080, worker metrics on 9090 only", o.checkNetworkPolicies)
}

// ---- compose ------------------------------------------------------------------------

func loadCompose(file string, env map[string]string) (*types.Project, error) {
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnv(envList),
		cli.WithDiscardEnvFile,
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

func validateCompose(root string) {
	file := filepath.Join(root, "deploy", "compose.yaml")
	env := map[string]string{
		"FINCHAT_JWT_SECRET":  strings.Repeat("a", 64),
		"FINCHAT_DATA_KEY":    strings.Repeat("b", 64),
		"FINCHAT_PG_PASSWORD": "validate",
	}
	proj, err := loadCompose(file, env)
	if err != nil {
		report("compose: deploy/compose.yaml loads (compose-spec schema, interpolation)", []string{err.Error()})
		return
	}
	report("compose: deploy/compose.yaml loads (compose-spec schema, interpolation)", nil)

	var p []string
	for _, name := range []string{"postgres", "kafka", "kafka-topics", "ferretdb", "migrate", "gateway", "worker"} {
		if _, ok := proj.Services[name]; !ok {
			p = append(p, "no service "+name)
		}
	}
	for _, name := range []string{"gateway", "worker", "migrate"} {
		s, ok := proj.Services[name]
		if !ok {
			continue
		}
		if s.Build == nil || s.Build.Target == "" || filepath.Base(s.Build.Dockerfile) != "Dockerfile" {
			p = append(p, name+": not built from a target of deploy/Dockerfile")
		}
		if !s.ReadOnly {
			p = append(p, name+": root filesystem not read_only")
		}
		if len(s.CapDrop) == 0 || s.CapDrop[0] != "ALL" {
			p = append(p, name+": cap_drop is not [ALL]")
		}
		nnp := false
		for _, o := range s.SecurityOpt {
			nnp = nnp || strings.HasPrefix(o, "no-new-privileges")
		}
		if !nnp {
			p = append(p, name+": no no-new-privileges")
		}
		for _, k := range []string{"FINCHAT_PG_URL", "FINCHAT_KAFKA_BROKERS", "FINCHAT_MONGO_URL", "FINCHAT_JWT_SECRET", "FINCHAT_DATA_KEY"} {
			if v, ok := s.Environment[k]; !ok || v == nil || *v == "" {
				p = append(p, name+": "+k+" not set")
			}
		}
	}
	if w, ok := proj.Services["worker"]; ok && (w.Deploy == nil || w.Deploy.Replicas == nil || *w.Deploy.Replicas < 2) {
		p = append(p, "worker: fewer than 2 replicas")
	}
	for name, s := range proj.Services {
		for dep, d := range s.DependsOn {
			target, ok := proj.Services[dep]
			if !ok {
				p = append(p, name+": depends on unknown service "+dep)
				continue
			}
			if d.Condition == types.ServiceConditionHealthy && (target.HealthCheck == nil || target.HealthCheck.Disable) {
				p = append(p, fmt.Sprintf("%s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep))
			}
		}
	}
	sort.Strings(p)
	report("compose: the full system, hardened finchat services, dependencies that can become healthy", p)

	delete(env, "FINCHAT_JWT_SECRET")
	_, err = loadCompose(file, env)
	if err == nil || !strings.Contains(err.Error(), "FINCHAT_JWT_SECRET") {
		report("compose: refuses to start without FINCHAT_JWT_SECRET", []string{fmt.Sprintf("loading without it gave: %v", err)})
	} else {
		report("compose: refuses to start without FINCHAT_JWT_SECRET", nil)
	}
}

// ---- Dockerfile -----------------------------------------------------------------------

type stage struct {
	name, from  string
	user        string
	healthcheck bool
	entrypoint  bool
	copies      []string // sources copied from the build context
}

// parseDockerfile reads stages and the instructions we check (continuation lines joined).
func parseDockerfile(path string) ([]*stage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var stages []*stage
	var cur *stage
	var logical string
	sc := bufio.NewScanner(f)
	flush := func(line string) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			return
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			cur = &stage{from: fields[1]}
			for i, w := range fields {
				if strings.EqualFold(w, "AS") && i+1 < len(fields) {
					cur.name = fields[i+1]
				}
			}
			stages = append(stages, cur)
		case "USER":
			if cur != nil && len(fields) > 1 {
				cur.user = fields[1]
			}
		case "HEALTHCHECK":
			if cur != nil && !(len(fields) > 1 && strings.EqualFold(fields[1], "NONE")) {
				cur.healthcheck = true
			}
		case "ENTRYPOINT", "CMD":
			if cur != nil {
				cur.entrypoint = true
			}
		case "COPY", "ADD":
			if cur == nil {
				return
			}
			var args []string
			fromStage := false
			for _, w := range fields[1:] {
				if strings.HasPrefix(w, "--from=") {
					fromStage = true
				}
				if !strings.HasPrefix(w, "--") {
					args = append(args, w)
				}
			}
			if !fromStage && len(args) >= 2 {
				cur.copies = append(cur.copies, args[:len(args)-1]...)
			}
		}
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") && logical == "" {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			logical += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		logical += line
		flush(logical)
		logical = ""
	}
	return stages, sc.Err()
}

func validateDockerfile(root string) {
	path := filepath.Join(root, "deploy", "Dockerfile")
	stages, err := parseDockerfile(path)
	if err != nil {
		report("Dockerfile: readable", []string{err.Error()})
		return
	}
	var p []string
	byName := map[string]*stage{}
	for _, s := range stages {
		byName[s.name] = s
	}
	for _, target := range []string{"gateway", "worker"} {
		s, ok := byName[target]
		if !ok {
			p = append(p, "no target "+target)
			continue
		}
		// USER may be set in the stage or inherited from a named parent stage.
		user, hc := s.user, s.healthcheck
		for parent := byName[s.from]; parent != nil && (user == "" || !hc); parent = byName[parent.from] {
			if user == "" {
				user = parent.user
			}
			hc = hc || parent.healthcheck
		}
		uid := strings.SplitN(user, ":", 2)[0]
		if n, err := strconv.Atoi(uid); err != nil || n == 0 {
			p = append(p, fmt.Sprintf("target %s: USER %q is not a numeric non-root uid (runAsNonRoot needs one)", target, user))
		}
		if !hc {
			p = append(p, "target "+target+": no HEALTHCHECK")
		}
		if !s.entrypoint {
			p = append(p, "target "+target+": no ENTRYPOINT")
		}
		if _, ok := byName["build"]; !ok {
			p = append(p, "no separate build stage (multi-stage)")
		}
	}
	sort.Strings(p)
	report("Dockerfile: multi-stage, targets gateway and worker run as a numeric non-root user with a HEALTHCHECK", p)

	var missing []string
	for _, s := range stages {
		for _, src := range s.copies {
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				missing = append(missing, fmt.Sprintf("stage %s copies %s, which does not exist", s.name, src))
			}
		}
	}
	report("Dockerfile: every path it copies from the repository exists", missing)
}

func main() {
	root := flag.String("root", ".", "repository root")
	ext := flag.String("external", "finchat-secrets,finchat-tls", "Secrets an overlay may reference without defining")
	flag.Parse()

	external := map[string]bool{}
	for _, s := range strings.Split(*ext, ",") {
		if s = strings.TrimSpace(s); s != "" {
			external[s] = true
		}
	}
	if _, _, err := build(filepath.Join(*root, "k8s", "base")); err != nil {
		report("base: kustomize build", []string{err.Error()})
	} else {
		report("base: kustomize build", nil)
	}
	overlays, _ := filepath.Glob(filepath.Join(*root, "k8s", "overlays", "*", "kustomization.yaml"))
	if len(overlays) == 0 {
		report("k8s/overlays has overlays", []string{"none found"})
	}
	for _, k := range overlays {
		dir := filepath.Dir(k)
		validateOverlay(dir, "overlay "+filepath.Base(dir), external)
	}
	validateCompose(*root)
	validateDockerfile(*root)

	fmt.Printf("1..%d\n", nTests)
	if nFailed > 0 {
		fmt.Printf("# %d of %d failed\n", nFailed, nTests)
		os.Exit(1)
	}
}

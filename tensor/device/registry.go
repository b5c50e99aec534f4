package device

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// A device family ("cuda") registered by a backend package at init.
var (
	registryMu sync.Mutex
	families   = map[string]func(index int) (Device, error){}
	opened     = map[string]Device{}
)

// Register makes a family of devices available by name, the way image.RegisterFormat makes a
// decoder available: a backend package calls it from init, and Get("cuda:1") then calls
// open(1) once and keeps the result. The CPU backend registers "cpu". It panics if the family
// is already registered, empty, or contains a colon.
func Register(family string, open func(index int) (Device, error)) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if families[family] != nil || family == "" || strings.Contains(family, ":") {
		Panicf("tensor.RegisterDevice", "family %q is taken or invalid", family)
	}
	families[family] = open
}

// Get returns the device with the given name: a registered family with an optional index,
// "cuda" meaning "cuda:0". It returns an error naming the problem if the family is unknown
// (its package not linked in) or the device cannot be opened.
func Get(name string) (Device, error) {
	family, idx := name, 0
	if i := strings.IndexByte(name, ':'); i >= 0 {
		n, err := strconv.Atoi(name[i+1:])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("tensor: bad device name %q", name)
		}
		family, idx = name[:i], n
	}
	key := family + ":" + strconv.Itoa(idx)
	registryMu.Lock()
	defer registryMu.Unlock()
	if d := opened[key]; d != nil {
		return d, nil
	}
	open := families[family]
	if open == nil {
		return nil, fmt.Errorf("tensor: unknown device %q (registered: %s)", name, strings.Join(deviceFamilies(), ", "))
	}
	d, err := open(idx)
	if err != nil {
		return nil, fmt.Errorf("tensor: opening device %q: %w", name, err)
	}
	opened[key] = d
	return d, nil
}

// Families returns the registered device family names, "cpu" first.
func Families() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	return deviceFamilies()
}

func deviceFamilies() []string {
	names := []string{}
	for f := range families {
		if f != "cpu" {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	if families["cpu"] != nil {
		names = append([]string{"cpu"}, names...)
	}
	return names
}

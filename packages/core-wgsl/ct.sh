#!/bin/bash
for a in "$@"; do MESA_SHADER_CACHE_DISABLE=true node ct.mjs $a 2>&1 | grep -v artif; done

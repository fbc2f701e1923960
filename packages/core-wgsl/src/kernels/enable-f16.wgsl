// Opens every kernel module that reads weights. WGSL accepts enable directives only before
// the first declaration, so this source comes first when sources are joined.
#if WEIGHTS_F16
enable f16;
#endif

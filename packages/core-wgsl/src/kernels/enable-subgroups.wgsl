// Opens kernel modules that call subgroup built-ins. WGSL accepts enable directives only
// before the first declaration, so this source comes first when sources are joined.
enable subgroups;

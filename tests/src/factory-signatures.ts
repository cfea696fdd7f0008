import ts from 'typescript';

/** What the type checker says of one factory exported from a package entry point. */
export interface FactorySignature {
  entry: string;
  factory: string;
  /** Whether the entry point exports the factory at all. */
  found: boolean;
  parameterCount: number;
  /** The declared type name of the first parameter, as written (`RedisKillSwitchConfig`). */
  configType: string | undefined;
  /** Whether that type is exported from the same entry point, so users can name it. */
  configTypeExported: boolean;
}

/**
 * Reads, with one TypeScript program over every entry point, the parameter list of each factory
 * and whether its config type is exported beside it.
 */
export function factoryConfigTypes(factories: Array<{ entry: string; factory: string }>): FactorySignature[] {
  const program = ts.createProgram({
    rootNames: [...new Set(factories.map(({ entry }) => entry))],
    options: {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      customConditions: ['warden-source'],
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
    },
  });
  const checker = program.getTypeChecker();
  return factories.map(({ entry, factory }) => {
    const source = program.getSourceFile(entry);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    const exported = exports.find((symbol) => symbol.name === factory);
    const target = exported && exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = target?.declarations?.find(ts.isFunctionDeclaration);
    const parameter = declaration?.parameters[0];
    const configType =
      parameter?.type && ts.isTypeReferenceNode(parameter.type) ? parameter.type.typeName.getText() : undefined;
    return {
      entry,
      factory,
      found: declaration !== undefined,
      parameterCount: declaration?.parameters.length ?? 0,
      configType: parameter ? (configType ?? parameter.type?.getText()) : undefined,
      configTypeExported: configType !== undefined && exports.some((symbol) => symbol.name === configType),
    };
  });
}

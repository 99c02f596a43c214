"""traceprop_cc_proto_library: C++ (and gRPC) code from one .proto file.

Bazel's mirror of CMake's traceprop_proto_library (cmake/traceprop_helpers.cmake).
The .proto is compiled under its import path "traceprop/<package>/<file>.proto"
(protoc maps the virtual directory "traceprop" onto this repository's root),
so the generated headers are included exactly as under CMake and in an
installed tree:

    #include "traceprop/proto/trace_context.pb.h"

The code generator is whatever `@com_google_protobuf//:protoc` and
`@com_github_grpc_grpc//src/compiler:grpc_cpp_plugin` are: Debian's
/usr/bin/protoc and /usr/bin/grpc_cpp_plugin in WORKSPACE mode (see
system_repositories.bzl), the Bazel Central Registry builds under
MODULE.bazel, so generated code always matches the runtime it links to.

Usage, in proto/BUILD.bazel:

    load("//bazel:proto.bzl", "traceprop_cc_proto_library")
    traceprop_cc_proto_library(
        name = "trace_context_proto",
        src = "trace_context.proto",
    )
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

_GEN_DIR = "_gen"

def _repo_root(f):
    """The execroot-relative directory of the repository `f` belongs to."""
    root = f.root.path
    if f.owner.workspace_root:
        root = (root + "/" if root else "") + f.owner.workspace_root
    return root or "."

def _mapping(prefix, root):
    return "--proto_path=" + (prefix + "=" + root if prefix else root)

def _protoc_impl(ctx):
    src = ctx.file.src
    if ctx.label.package and not src.short_path.endswith(ctx.label.package + "/" + src.basename):
        fail("traceprop_cc_proto_library: src must be a .proto file of this package")
    prefix = ctx.attr.import_prefix
    import_path = "/".join([p for p in [prefix, ctx.label.package, src.basename] if p])

    # outs[0] is <bin>/<package>/_gen/<import path minus .proto>.pb.h: strip
    # the import path to find the --cpp_out root.
    header = ctx.outputs.outs[0]
    suffix = "/" + import_path[:-len(".proto")] + ".pb.h"
    if not header.path.endswith(suffix):
        fail("traceprop_cc_proto_library: unexpected output layout " + header.path)
    out_root = header.path[:-len(suffix)]
    args = ctx.actions.args()
    args.add(_mapping(prefix, _repo_root(src)))

    # Imported traceprop protos ("traceprop/proto/...") from wherever their
    # repository is: this one, or @traceprop when a user's proto imports ours.
    dep_roots = []
    for f in ctx.files.proto_deps:
        root = _repo_root(f)
        if root not in dep_roots:
            dep_roots.append(root)
    for root in dep_roots:
        if not (prefix == "traceprop" and root == _repo_root(src)):
            args.add(_mapping("traceprop", root))
    args.add("--cpp_out=" + out_root)
    tools = [ctx.executable.protoc]
    if ctx.attr.grpc:
        args.add("--plugin=protoc-gen-grpc=" + ctx.executable.grpc_plugin.path)
        args.add("--grpc_out=" + out_root)
        tools.append(ctx.executable.grpc_plugin)
    args.add(import_path)
    ctx.actions.run(
        executable = ctx.executable.protoc,
        arguments = [args],
        inputs = [src] + ctx.files.proto_deps,
        tools = tools,
        outputs = ctx.outputs.outs,
        mnemonic = "TracepropProtoc",
        progress_message = "protoc %s" % import_path,
    )
    return [DefaultInfo(files = depset(ctx.outputs.outs))]

_protoc = rule(
    implementation = _protoc_impl,
    attrs = {
        "src": attr.label(allow_single_file = [".proto"], mandatory = True),
        "outs": attr.output_list(mandatory = True),
        "proto_deps": attr.label_list(allow_files = [".proto"]),
        "import_prefix": attr.string(default = "traceprop"),
        "grpc": attr.bool(default = False),
        "protoc": attr.label(
            default = "@com_google_protobuf//:protoc",
            executable = True,
            cfg = "exec",
        ),
        "grpc_plugin": attr.label(
            default = "@com_github_grpc_grpc//src/compiler:grpc_cpp_plugin",
            executable = True,
            cfg = "exec",
        ),
    },
)

def traceprop_cc_proto_library(
        name,
        src,
        grpc = False,
        deps = [],
        proto_deps = [],
        import_prefix = "traceprop",
        visibility = None,
        **kwargs):
    """A cc_library `name` with the generated code of the .proto file `src`.

    Args:
      name: target name; matches CMake's traceprop_proto_library NAME.
      src: one .proto file of this package.
      grpc: also generate the gRPC service code (.grpc.pb.{h,cc}).
      deps: the cc targets of the imported protos (their generated code).
      proto_deps: the .proto files `src` imports, e.g.
        "//proto:trace_context.proto" (imported as
        "traceprop/proto/trace_context.proto"), here or in @traceprop.
      import_prefix: the virtual directory this repository's root is
        imported under: "traceprop" inside traceprop; a user's own protos
        use "" (imported and included by their path in the user's repo).
      visibility: visibility of the cc_library.
      **kwargs: passed to the cc_library (tags, testonly, ...).
    """
    package = native.package_name()
    base = src[:-len(".proto")] if src.endswith(".proto") else fail("src must end in .proto")
    stem = "/".join([p for p in [_GEN_DIR, import_prefix, package, base] if p])
    hdrs = [stem + ".pb.h"]
    srcs = [stem + ".pb.cc"]
    lib_deps = ["@com_google_protobuf//:protobuf"]
    if grpc:
        hdrs.append(stem + ".grpc.pb.h")
        srcs.append(stem + ".grpc.pb.cc")
        lib_deps.append("@com_github_grpc_grpc//:grpc++")
    _protoc(
        name = name + "_protoc",
        src = src,
        proto_deps = proto_deps,
        import_prefix = import_prefix,
        grpc = grpc,
        outs = hdrs + srcs,
        visibility = ["//visibility:private"],
    )
    cc_library(
        name = name,
        srcs = srcs,
        hdrs = hdrs,
        strip_include_prefix = _GEN_DIR,
        deps = lib_deps + deps,
        visibility = visibility,
        **kwargs
    )
